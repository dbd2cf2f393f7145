#!/usr/bin/env bash
# CI's fuzzing stage: every libFuzzer target in tests/fuzz for a bounded time each (SF_FUZZ_SECONDS, 60 by
# default), as many at once as there are cores, starting from its seed corpus in the tree. Fails when any
# target crashes, leaks, hangs or breaks an invariant; the input that did it is kept in $SF_FUZZ_OUT
# (printed). Usage: scripts/fuzz.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/build-env.sh

build=${SF_ASAN_BUILD_DIR:-build-asan}
seconds=${SF_FUZZ_SECONDS:-60}
out=${SF_FUZZ_OUT:-$build/fuzz-out}
jobs=$(nproc)

mapfile -t all < <(sed -n 's/^sf_fuzzer(\([a-z0-9_]*\).*/\1/p' tests/fuzz/CMakeLists.txt)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

# The fuzzers live in the ASan+UBSan build (scripts/test-sanitizers.sh asan makes it); build them if not,
# configured as that script does (the same options, so that its stage then rebuilds nothing).
if [ ! -f "$build/CMakeCache.txt" ]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DSF_BUILD_BENCH=OFF -DSF_TEST_HOOKS=ON -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld-14 \
    -DSF_SANITIZE=address,undefined -DSF_FUZZ=ON "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j"$jobs" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:print_stacktrace=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:report_error_type=1

rm -rf "$out"
mkdir -p "$out"

# One target: new inputs go to a scratch corpus (the seeds in the tree are only read); exit status 0 or not.
run_one() {
  local t=$1 start=$SECONDS
  mkdir -p "$out/$t/corpus"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$out/$t/" "$out/$t/corpus" "tests/fuzz/corpus/$t" \
      >"$out/$t/log" 2>&1; then
    touch "$out/$t/passed"
    echo "fuzz $t: ok in $((SECONDS - start)) s," \
      "$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t/log") runs"
  else
    echo "fuzz $t: FAILED; input and log in $out/$t/"
    tail -n 60 "$out/$t/log"
  fi
}

# The targets run $jobs at a time (each is one process on one core).
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  run_one "$t" &
done
wait
failed=()
for t in "${targets[@]}"; do
  [ -e "$out/$t/passed" ] || failed+=("$t")
done
if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  echo "fuzz: a finding becomes a regression test: keep its input in tests/fuzz/corpus/<target>/ (replayed by ctest)"
  exit 1
fi
