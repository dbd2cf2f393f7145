#!/usr/bin/env bash
# Installs the test-only real Elasticsearch and OpenSearch nodes (sim/es-node, from Maven Central) and a
# virtual environment with the official Python client 8.x (from PyPI). Idempotent: a warm machine only
# compares stamps.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
nodes="$here/../sim/es-node"
cache="${SF_CACHE_DIR:-$HOME/.cache/scaleft-forwarder}"
venv_dir="$cache/es-client-venv"
client_requirement="elasticsearch==8.19.3"

# A node: rebuilt when its launcher's sources (its own and the shared launcher/) change or a jar of its
# classpath went missing. install_node PROJECT (under sim/es-node: . or opensearch) INSTALL_DIR JAR_NAME
install_node() {
  local project=$1 node_dir=$2 jar_name=$3 stamp jar
  stamp=$(cd "$nodes" && cat "$project/pom.xml" $(find "$project/src" launcher -type f | sort) | sha256sum \
    | cut -d' ' -f1)
  if [ -f "$node_dir/stamp" ] && [ "$(cat "$node_dir/stamp")" = "$stamp" ] && [ -f "$node_dir/$jar_name" ] \
    && [ -f "$node_dir/classpath.txt" ] && {
      local ok=0
      while IFS= read -r -d: jar; do [ -f "$jar" ] || ok=1; done < <(tr -d '\n' <"$node_dir/classpath.txt"; echo :)
      return $ok
    }; then
    return 0
  fi
  echo "install-es-node: building the test node $jar_name into $node_dir"
  command -v mvn >/dev/null && command -v java >/dev/null \
    || { echo "install-es-node: needs maven and a JDK 17 (scripts/debian-packages.txt)" >&2; exit 1; }
  local work="$node_dir/build" log="$node_dir/maven.log"
  rm -rf "$work"
  mkdir -p "$work"
  # A copy of the whole tree keeps the relative path to launcher/ and leaves no target/ in the sources.
  cp -r "$nodes/pom.xml" "$nodes/src" "$nodes/launcher" "$work/"
  mkdir -p "$work/opensearch"
  cp -r "$nodes/opensearch/pom.xml" "$nodes/opensearch/src" "$work/opensearch/"
  if ! (cd "$work/$project" && mvn -B -q dependency:go-offline package) >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "install-es-node: maven failed (whole log: $log)" >&2
    exit 1
  fi
  cp "$work/$project/target/$jar_name" "$work/$project/target/classpath.txt" "$node_dir/"
  rm -rf "$work"
  echo "$stamp" >"$node_dir/stamp"
}
install_node . "$cache/es-node" es-node.jar             # Elasticsearch 7.10.2
install_node opensearch "$cache/os-node" os-node.jar    # OpenSearch 2.19.6 (data streams)

# The official client, for tests only: Debian ships 7.17, the forwarder targets 8.x servers.
if [ "$(cat "$venv_dir/stamp" 2>/dev/null)" != "$client_requirement" ] || [ ! -x "$venv_dir/bin/python" ]; then
  echo "install-es-node: installing $client_requirement into $venv_dir"
  rm -rf "$venv_dir"
  /usr/bin/python3 -m venv "$venv_dir"
  "$venv_dir/bin/pip" install -q --disable-pip-version-check "$client_requirement"
  echo "$client_requirement" >"$venv_dir/stamp"
fi
