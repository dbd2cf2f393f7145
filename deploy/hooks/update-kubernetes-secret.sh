#!/usr/bin/env bash
# key_rotation.on_rotate: writes the new ScaleFT key into a Kubernetes Secret (keys key_id, key_secret).
#
#   on_rotate: [/usr/local/share/scaleft-forwarder/hooks/update-kubernetes-secret.sh, SECRET_NAME, NAMESPACE]
#
# The forwarder gives the key as JSON on standard input. The secret never reaches an argument list (other
# users can read /proc/*/cmdline) nor a temporary file: jq reads it from stdin and writes the manifest to
# kubectl's stdin. Server-side apply keeps no last-applied copy of the data in an annotation. NAMESPACE
# defaults to the pod's own (the service account's namespace file), else kubectl's current one. The label is
# not app.kubernetes.io/name, so `kubectl apply --prune -l app.kubernetes.io/name=scaleft-forwarder` of the
# kustomization never deletes this Secret.
# Needs bash, jq and kubectl, and RBAC to get, create and patch that Secret (components/kubernetes-secret-hook).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 SECRET_NAME [NAMESPACE] < key.json" >&2
  exit 2
fi
secret_name=$1
namespace=${2:-}
sa_namespace_file=/var/run/secrets/kubernetes.io/serviceaccount/namespace
if [[ -z $namespace && -r $sa_namespace_file ]]; then
  namespace=$(<"$sa_namespace_file")
fi
ns_args=()
if [[ -n $namespace ]]; then
  ns_args=(--namespace "$namespace")
fi

jq -c --arg name "$secret_name" '
  if (.key_id | type) != "string" or (.key_secret | type) != "string" or .key_id == "" or .key_secret == ""
  then error("standard input is not the forwarder'"'"'s key: {\"key_id\": ..., \"key_secret\": ...}")
  else {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {name: $name, labels: {"app.kubernetes.io/managed-by": "scaleft-forwarder-on-rotate"}},
    data: {key_id: (.key_id | @base64), key_secret: (.key_secret | @base64)}
  }
  end' |
  kubectl apply "${ns_args[@]}" --server-side --field-manager=scaleft-forwarder-on-rotate --force-conflicts -f -
