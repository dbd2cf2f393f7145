#!/usr/bin/env bash
# The quick start: installs what is missing, builds, starts the bundled ScaleFT simulator on loopback, runs the
# forwarder against it, and shows audit events arriving in an NDJSON file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${SF_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
echo "==> building (log: $build/build.log)"
cmake --build "$build" -j"$(nproc)" --target scaleft-forwarder scaleft-sim >"$build/build.log" 2>&1 ||
  { tail -n 40 "$build/build.log"; exit 1; }

demo=$(mktemp -d /tmp/scaleft-forwarder-demo.XXXXXX)
cleanup() { kill "${sim_pid:-}" "${fwd_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "==> starting scaleft-sim with 20000 events of history and 20 new events a second"
"$build/sim/scaleft/scaleft-sim" --listen 127.0.0.1:0 --port-file "$demo/sim.url" --team acme --seed 42 \
  --events 20000 --rate 20 --credentials-dir "$demo/credentials" >"$demo/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$demo/sim.url" ] && break; sleep 0.1; done
sim_url=$(cat "$demo/sim.url")

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
log:
  level: info
  format: text
YAML

echo "==> effective configuration (secrets redacted)"
"$build/daemon/scaleft-forwarder" check-config --config "$demo/forwarder.yaml"

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
echo "==> checkpoint"
cat "$demo/state/checkpoint.json"; echo
events=$(wc -l <"$demo/out/audit.ndjson")
unique=$(/usr/bin/python3 -c 'import json,sys; print(len({json.loads(l)["event"]["id"] for l in open(sys.argv[1])}))' "$demo/out/audit.ndjson")
echo "==> $events events shipped, $unique distinct ids; files are in $demo"
