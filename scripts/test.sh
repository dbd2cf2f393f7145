#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test (ctest). CI calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/build-env.sh
build=${SF_BUILD_DIR:-build}
# The tests need the fault hooks (kill -9 at a step, failed writes); user builds leave them out.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${SF_BUILD_TYPE:-RelWithDebInfo} -DSF_TEST_HOOKS=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 900 "$@"
