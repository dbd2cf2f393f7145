#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, quietly: one line per package, apt's output only on error.
#   install-deps.sh            everything in debian-packages.txt (build, tests, demo)
#   install-deps.sh --build    only the lines tagged "# build" (the container's build stage)
#   install-deps.sh --runtime  debian-runtime-packages.txt (the container's runtime stage)
#   add --print to list the selected names instead of installing them (tests/deploy compares them).
# Idempotent: packages already present are skipped, so a warm machine pays nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

role=all
print=no
for arg in "$@"; do
  case "$arg" in
    --build) role=build ;;
    --runtime) role=runtime ;;
    --print) print=yes ;;
    *) echo "install-deps: unknown option '$arg' (--build, --runtime, --print)" >&2; exit 2 ;;
  esac
done

case "$role" in
  all) mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/debian-packages.txt") ;;
  build) mapfile -t packages < <(sed -n -e 's/^[[:space:]]*\([^#[:space:]]\+\)[[:space:]]*#[[:space:]]*build\b.*/\1/p' \
                                   "$here/debian-packages.txt") ;;
  runtime) mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' \
                                     "$here/debian-runtime-packages.txt") ;;
esac
if [ "$print" = yes ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  log=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX")
  trap 'rm -f "$log"' EXIT
  apt() {
    # apt's progress goes to the log; on failure the log is shown, so the error is never hidden.
    if ! "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@" >"$log" 2>&1; then
      cat "$log" >&2
      echo "install-deps: apt-get $1 failed" >&2
      exit 1
    fi
  }
  for p in "${missing[@]}"; do echo "install-deps: installing $p"; done
  apt update -qq
  apt install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test tooling (not for the container's stages): the real Elasticsearch node, built from Maven Central.
if [ "$role" = all ]; then
  "$here/install-es-node.sh"
fi
