// Micro-benchmarks of RFC 3339 parsing/formatting and of a whole config load (run by hand; not a ctest).
#include <benchmark/benchmark.h>

#include "config/config_loader.hpp"
#include "common/time/rfc3339.hpp"

static void bm_parse_nanos(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(sf::time::parse_rfc3339_ns("2020-07-31T22:52:15.239331336Z"));
}
BENCHMARK(bm_parse_nanos);

static void bm_parse_offset(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sf::time::parse_rfc3339_ns("2020-07-31T22:52:15+02:00"));
}
BENCHMARK(bm_parse_offset);

static void bm_format(benchmark::State& state) {
  std::int64_t ns = 1596235935239331336;
  for (auto _ : state) benchmark::DoNotOptimize(sf::time::format_rfc3339_ns(ns++));
}
BENCHMARK(bm_format);

static void bm_load_config(benchmark::State& state) {
  const std::string yaml = R"(source:
  url: https://app.scaleft.com
  team: acme
  key_id: ${KEY_ID:-k}
  key_secret: s
  page_size: 1000
  poll_interval: 30s
sinks:
  - name: archive
    type: file
    path: /var/log/a.ndjson
  - name: elk
    type: elasticsearch
    urls: [https://es1:9200, https://es2:9200]
    data_stream: logs-scaleft.audit-default
    api_key: k
    max_batch_bytes: 10MiB
log: {level: info, format: json}
)";
  const auto env = sf::config::process_environment();
  for (auto _ : state) benchmark::DoNotOptimize(sf::config::load_config_text(yaml, "bench.yaml", env));
}
BENCHMARK(bm_load_config);

BENCHMARK_MAIN();
