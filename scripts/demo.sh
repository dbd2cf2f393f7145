#!/usr/bin/env bash
# The quick start: installs what is missing, builds, starts the bundled ScaleFT and Elasticsearch simulators on
# loopback, runs `setup` and the forwarder against them, and shows audit events arriving in an Elasticsearch data
# stream and in an NDJSON file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# A production build of its own (no tests, no test hooks), apart from the test tree scripts/test.sh builds.
build=${SF_BUILD_DIR:-build-release}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSF_BUILD_TESTS=OFF -DSF_BUILD_BENCH=OFF >/dev/null
echo "==> building (log: $build/build.log)"
cmake --build "$build" -j"$(nproc)" --target scaleft-forwarder scaleft-sim es-sim >"$build/build.log" 2>&1 ||
  { tail -n 40 "$build/build.log"; exit 1; }

demo=$(mktemp -d /tmp/scaleft-forwarder-demo.XXXXXX)
cleanup() { kill "${sim_pid:-}" "${es_pid:-}" "${fwd_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "==> starting scaleft-sim with 20000 events of history and 20 new events a second"
"$build/sim/scaleft/scaleft-sim" --listen 127.0.0.1:0 --port-file "$demo/sim.url" --team acme --seed 42 \
  --events 20000 --rate 20 --credentials-dir "$demo/credentials" >"$demo/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$demo/sim.url" ] && break; sleep 0.1; done
sim_url=$(cat "$demo/sim.url")

echo "==> starting es-sim (an Elasticsearch 8 bulk-compatible test server with its mapping rules)"
"$build/sim/elasticsearch/es-sim" --listen 127.0.0.1:0 --port-file "$demo/es.url" >"$demo/es.log" 2>&1 &
es_pid=$!
for _ in $(seq 100); do [ -s "$demo/es.url" ] && break; sleep 0.1; done
es_url=$(cat "$demo/es.url")

# The key id comes in through the environment and the secret through a file: neither is ever in argv.
export SFT_KEY_ID=$(cat "$demo/credentials/log-forwarder.key_id")
cat >"$demo/forwarder.yaml" <<YAML
source:
  url: $sim_url
  team: acme
  service_user: log-forwarder
  key_id: \${SFT_KEY_ID}
  key_secret_file: $demo/credentials/log-forwarder.key_secret
  poll_interval: 1s
state_dir: $demo/state
sinks:
  - name: archive
    type: file
    path: $demo/out/audit.ndjson
  - name: elk
    type: elasticsearch
    url: $es_url
    data_stream: logs-scaleft.audit-default
log:
  level: info
  format: text
YAML

echo "==> effective configuration (secrets redacted)"
"$build/daemon/scaleft-forwarder" check-config --config "$demo/forwarder.yaml"

echo "==> setup: index template, component template, lifecycle and ingest pipeline in Elasticsearch"
"$build/daemon/scaleft-forwarder" setup --config "$demo/forwarder.yaml"

echo "==> running the forwarder for 8 seconds"
"$build/daemon/scaleft-forwarder" run --config "$demo/forwarder.yaml" 2>"$demo/forwarder.log" &
fwd_pid=$!
for i in 1 2 3 4 5 6 7 8; do
  sleep 1
  printf '    after %ss: %s events in %s\n' "$i" "$(wc -l <"$demo/out/audit.ndjson" 2>/dev/null || echo 0)" \
    "$demo/out/audit.ndjson"
done
kill -TERM "$fwd_pid"; wait "$fwd_pid"; fwd_pid=
echo "==> forwarder log (last lines)"
tail -n 5 "$demo/forwarder.log"
echo "==> the newest event, as shipped"
tail -n 1 "$demo/out/audit.ndjson" | /usr/bin/python3 -m json.tool
echo "==> Elasticsearch: documents in the data stream, and the newest one as Elasticsearch stores it"
curl -s "$es_url/logs-scaleft.audit-default/_count"; echo
newest=$(tail -n 1 "$demo/out/audit.ndjson" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["event"]["id"])')
curl -s -G "$es_url/_sim/doc" --data-urlencode "index=logs-scaleft.audit-default" --data-urlencode "id=$newest" |
  /usr/bin/python3 -m json.tool
echo "==> the data stream's backing index, as es-sim counts its mapping"
curl -s "$es_url/_sim/state" | /usr/bin/python3 -c '
import json, sys
for name, i in json.load(sys.stdin)["indices"].items():
    docs, fields, limit = i["documents"], i["fields"], i["fields_limit"]
    refused = sum((i.get("mapping_refusals") or {}).values())
    print("    %s: %d documents, %d mapped fields (limit %d), %d mapping refusals" % (name, docs, fields, limit, refused))'
echo "==> checkpoint"
cat "$demo/state/checkpoint.json"; echo
events=$(wc -l <"$demo/out/audit.ndjson")
unique=$(/usr/bin/python3 -c 'import json,sys; print(len({json.loads(l)["event"]["id"] for l in open(sys.argv[1])}))' "$demo/out/audit.ndjson")
echo "==> $events events shipped, $unique distinct ids; files are in $demo"
