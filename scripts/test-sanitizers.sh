#!/usr/bin/env bash
# CI's sanitizer stages. `asan`: every target built with clang and ASan+UBSan (no recovery; the fuzzers
# too), then every ctest test under it, end-to-end ones included. `tsan`: the code with threads (the
# forwarder's checkpoint-writer thread, the file sink's disk thread, the ops endpoint's test client) built
# with ThreadSanitizer, and the tests that run them. Usage: scripts/test-sanitizers.sh [asan|tsan]...
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/build-env.sh

jobs=$(nproc)
# The fault hooks, as in scripts/test.sh: the tests that kill at a step or fail writes need them.
common=(-G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DSF_BUILD_BENCH=OFF -DSF_TEST_HOOKS=ON)
# The cache makes a re-run cheap; it is optional (Debian's ccache is in scripts/debian-packages.txt).
if command -v ccache >/dev/null; then common+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

# Any report fails the process that has it, and so the test: no recovery, full stacks, leaks included.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:print_stacktrace=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:report_error_type=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:report_signal_unsafe=1

asan() {
  local build=${SF_ASAN_BUILD_DIR:-build-asan}
  # clang, so that the same build holds the libFuzzer targets (scripts/fuzz.sh runs them from here).
  cmake -S . -B "$build" "${common[@]}" -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld-14 -DSF_SANITIZE=address,undefined -DSF_FUZZ=ON >/dev/null
  cmake --build "$build" -j"$jobs"
  ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 1800 ${SF_ASAN_CTEST_ARGS:-}
}

# Tests that run more than one thread; everything else is single-threaded (one io_context thread). The
# threads: the forwarder's checkpoint writer (asio::thread_pool of 1, every `run`), the file sink's disk
# thread, the resolver's lookup threads (a DNS deadline), and the ops tests' HTTP client thread. The unit
# tests drive each directly; the end-to-end ones run them together in the real binary (checkpoint writer
# and disk thread under load, kill -9, rotation and SIGHUP, peers that hang during shutdown). The
# Elasticsearch sink has no thread of its own (its checkpoint writer is the one the file tests run), so
# neither es-sim nor the real-node suite is built or run here.
tsan_targets=(scaleft-forwarder scaleft-sim test_file_sink test_ops test_http)
tsan_unit_tests=(tests/file_sink/test_file_sink tests/ops/test_ops tests/http/test_http)
tsan_e2e_tests='^(e2e_file_pipeline|e2e_file_sink|e2e_shutdown_hang)$'

tsan() {
  local build=${SF_TSAN_BUILD_DIR:-build-tsan}
  cmake -S . -B "$build" "${common[@]}" -DSF_SANITIZE=thread >/dev/null
  cmake --build "$build" -j"$jobs" --target "${tsan_targets[@]}"
  # TSan's shadow has a fixed layout; on kernels that randomize more address bits than GCC 12's TSan
  # expects (vm.mmap_rnd_bits > 28) it cannot map it. Without randomization it always can.
  local t
  for t in "${tsan_unit_tests[@]}"; do
    echo "== $t (ThreadSanitizer)"
    setarch "$(uname -m)" -R "$build/$t"
  done
  setarch "$(uname -m)" -R ctest --test-dir "$build" --output-on-failure --timeout 1800 -R "$tsan_e2e_tests"
}

stages=("$@")
((${#stages[@]})) || stages=(asan tsan)
for stage in "${stages[@]}"; do
  case $stage in
    asan | tsan) "$stage" ;;
    *) echo "test-sanitizers: unknown stage '$stage' (asan or tsan)" >&2; exit 2 ;;
  esac
done
