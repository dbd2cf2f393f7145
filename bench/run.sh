#!/bin/bash
# The whole benchmark in one command: a Release build, the micro-benchmarks, then the end-to-end cases and
# the idle phase. Results land in bench/results/ (JSON). Extra arguments go to run_bench.py
# (e.g. --runs 3 --cases ac --events 200000, --no-script to leave out baseline_forwarder.py). The last thing
# printed is one table: the user's script and the forwarder side by side, the ratios, and the goals.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/.." && pwd)"
build="${SF_BENCH_BUILD:-$src/build-bench}"
jobs="${SF_BENCH_JOBS:-2}"

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSF_TEST_HOOKS=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target scaleft-forwarder scaleft-sim es-sim fetch_baseline library_floor micro_bench

mkdir -p "$here/results"
# The record: machine, load, commit and command (the JSON keeps them too, with every run).
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "command: $0 $*"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
micro="$here/results/micro-$stamp.json"
# Five repetitions of each micro-benchmark; the JSON keeps every repetition and the median/min/max rows.
"$build/bench/micro_bench" --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
  --benchmark_out="$micro" --benchmark_out_format=json
/usr/bin/python3 "$here/run_bench.py" --bin-dir "$build" --micro-json "$micro" "$@"
