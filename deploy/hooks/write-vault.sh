#!/usr/bin/env bash
# key_rotation.on_rotate: writes the new ScaleFT key to a Vault KV secret (fields key_id, key_secret).
#
#   on_rotate: [/usr/local/share/scaleft-forwarder/hooks/write-vault.sh, MOUNT, PATH]
#   e.g.       [..., secret, scaleft-forwarder/acme]   ->  vault kv put -mount=secret scaleft-forwarder/acme
#
# The forwarder gives the key as JSON on standard input; jq keeps the two fields and `vault kv put ... -`
# reads them from its stdin, so the secret is never an argument (visible in /proc/*/cmdline) nor a file.
# Vault's own address and credentials come from the environment the forwarder passes on (VAULT_ADDR, and
# VAULT_TOKEN or a token helper / agent); the forwarder removes only variables that hold its own secrets.
# A KV v2 mount keeps the earlier versions: the previous key stays readable there until it expires.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 MOUNT PATH < key.json" >&2
  exit 2
fi
mount=$1
path=$2

jq -c '
  if (.key_id | type) != "string" or (.key_secret | type) != "string" or .key_id == "" or .key_secret == ""
  then error("standard input is not the forwarder'"'"'s key: {\"key_id\": ..., \"key_secret\": ...}")
  else {key_id, key_secret}
  end' |
  vault kv put -mount="$mount" "$path" - >/dev/null
echo "stored key in Vault at $mount/$path" >&2
