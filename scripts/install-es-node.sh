#!/usr/bin/env bash
# Installs the test-only real Elasticsearch node (sim/es-node, from Maven Central) and a virtual environment
# with the official Python client 8.x (from PyPI). Idempotent: a warm machine only compares two stamps.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project="$here/../sim/es-node"
cache="${SF_CACHE_DIR:-$HOME/.cache/scaleft-forwarder}"
node_dir="$cache/es-node"
venv_dir="$cache/es-client-venv"
client_requirement="elasticsearch==8.19.3"

# The node: rebuilt when the launcher's sources change or a jar of its classpath went missing.
stamp=$(cat "$project/pom.xml" $(find "$project/src" -type f | sort) | sha256sum | cut -d' ' -f1)
node_ok() {
  [ -f "$node_dir/stamp" ] && [ "$(cat "$node_dir/stamp")" = "$stamp" ] && [ -f "$node_dir/es-node.jar" ] \
    && [ -f "$node_dir/classpath.txt" ] || return 1
  local jar
  while IFS= read -r -d: jar; do [ -f "$jar" ] || return 1; done < <(tr -d '\n' <"$node_dir/classpath.txt"; echo :)
}
if ! node_ok; then
  echo "install-es-node: building the Elasticsearch test node into $node_dir"
  command -v mvn >/dev/null && command -v java >/dev/null \
    || { echo "install-es-node: needs maven and a JDK 17 (scripts/debian-packages.txt)" >&2; exit 1; }
  work="$node_dir/build"
  rm -rf "$work"
  mkdir -p "$work"
  cp -r "$project/pom.xml" "$project/src" "$work/"
  log="$node_dir/maven.log"
  if ! (cd "$work" && mvn -B -q dependency:go-offline package) >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "install-es-node: maven failed (whole log: $log)" >&2
    exit 1
  fi
  cp "$work/target/es-node.jar" "$work/target/classpath.txt" "$node_dir/"
  rm -rf "$work"
  echo "$stamp" >"$node_dir/stamp"
fi

# The official client, for tests only: Debian ships 7.17, the forwarder targets 8.x servers.
if [ "$(cat "$venv_dir/stamp" 2>/dev/null)" != "$client_requirement" ] || [ ! -x "$venv_dir/bin/python" ]; then
  echo "install-es-node: installing $client_requirement into $venv_dir"
  rm -rf "$venv_dir"
  /usr/bin/python3 -m venv "$venv_dir"
  "$venv_dir/bin/pip" install -q --disable-pip-version-check "$client_requirement"
  echo "$client_requirement" >"$venv_dir/stamp"
fi
