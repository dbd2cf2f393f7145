// Micro-benchmark of RFC 3339 parsing and formatting (run by hand; not a ctest).
#include <benchmark/benchmark.h>

#include "config/rfc3339.hpp"

static void bm_parse_nanos(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(sf::config::parse_rfc3339_ns("2020-07-31T22:52:15.239331336Z"));
}
BENCHMARK(bm_parse_nanos);

static void bm_parse_offset(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sf::config::parse_rfc3339_ns("2020-07-31T22:52:15+02:00"));
}
BENCHMARK(bm_parse_offset);

static void bm_format(benchmark::State& state) {
  std::int64_t ns = 1596235935239331336;
  for (auto _ : state) benchmark::DoNotOptimize(sf::config::format_rfc3339_ns(ns++));
}
BENCHMARK(bm_format);

BENCHMARK_MAIN();
