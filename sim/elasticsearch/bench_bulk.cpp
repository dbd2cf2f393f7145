// es-sim-bench: bulk body throughput of the request handler (parse, validate, store, render), no sockets.
#include "sim/elasticsearch/bulk_request.hpp"
#include "sim/elasticsearch/es_server.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

using namespace sfsim::es;

namespace {

// An ECS audit event about the size the forwarder sends (~800 bytes).
std::string make_body(std::size_t target_bytes, std::size_t run, const char* index) {
  std::string body;
  body.reserve(target_bytes + 4096);
  for (std::size_t i = 0; body.size() < target_bytes; ++i) {
    const std::string id = "evt-" + std::to_string(run) + "-" + std::to_string(i);
    body += "{\"create\":{\"_index\":\"";
    body += index;
    body += "\",\"_id\":\"" + id + "\"}}\n";
    body +=
        "{\"@timestamp\":\"2024-05-01T12:00:00.123456789Z\",\"event\":{\"id\":\"" + id +
        "\",\"kind\":\"event\",\"category\":[\"authentication\",\"session\"],\"type\":[\"start\",\"allowed\"]"
        ","
        "\"action\":\"auth_token.issue\",\"outcome\":\"success\",\"dataset\":\"scaleft.audit\",\"provider\":"
        "\"scaleft\",\"ingested\":\"2024-05-01T12:00:01Z\"},\"user\":{\"name\":\"alice.example\",\"id\":"
        "\"0b9a6f0e-4e0c-4a8e-9d6c-2f1b7a0c9e11\",\"email\":\"alice@example.com\",\"full_name\":\"Alice "
        "Example\"},\"host\":{\"name\":\"web-01\",\"hostname\":\"web-01.prod.example.com\",\"os\":{\"full\":"
        "\"Ubuntu 22.04\"}},\"source\":{\"ip\":\"203.0.113.7\"},\"related\":{\"user\":[\"alice.example\"],"
        "\"hosts\":[\"web-01\"]},\"observer\":{\"vendor\":\"Okta\",\"product\":\"Advanced Server Access\"},"
        "\"data_stream\":{\"type\":\"logs\",\"dataset\":\"scaleft.audit\",\"namespace\":\"default\"}}\n";
  }
  return body;
}

// CPU time of this thread: on a shared machine wall time also counts the time other processes ran.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t mb = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<double> parse_rates, handle_rates, handle_cpu_rates;
  for (int run = 0; run < runs; ++run) {
    std::string body = make_body(mb << 20, static_cast<std::size_t>(run), "logs-scaleft.audit-default");
    const double size_mb = static_cast<double>(body.size()) / (1 << 20);

    // 1. parse_bulk alone: framing and every action line.
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    simdjson::dom::parser parser;
    auto t0 = std::chrono::steady_clock::now();
    auto parsed =
        parse_bulk(simdjson::padded_string_view(body.data(), body.size(), body.capacity()), {}, parser);
    auto t1 = std::chrono::steady_clock::now();
    if (std::holds_alternative<rest_error>(parsed)) {
      std::fprintf(stderr, "parse failed: %s\n", std::get<rest_error>(parsed).reason.c_str());
      return 1;
    }
    parse_rates.push_back(size_mb / std::chrono::duration<double>(t1 - t0).count());

    // 2. The whole handler: parse, validate each source, store into a data stream, render the response.
    es_sim sim(server_config{});
    sfsim::request req{sfsim::http::verb::post, "/_bulk", 11};
    req.set(sfsim::http::field::content_type, "application/x-ndjson");
    req.body() = std::move(body);
    t0 = std::chrono::steady_clock::now();
    const double cpu0 = thread_cpu_seconds();
    auto r = sim.handle(req);
    const double cpu1 = thread_cpu_seconds();
    t1 = std::chrono::steady_clock::now();
    if (r.res.result_int() != 200 || r.res.body().find("\"errors\":false") == std::string::npos) {
      std::fprintf(stderr, "bulk failed: %u %.200s\n", r.res.result_int(), r.res.body().c_str());
      return 1;
    }
    handle_rates.push_back(size_mb / std::chrono::duration<double>(t1 - t0).count());
    handle_cpu_rates.push_back(size_mb / (cpu1 - cpu0));
    std::printf("run %d: %.1f MB body, parse %.0f MB/s, full handler %.0f MB/s (%.0f MB per CPU second)\n", run,
                size_mb, parse_rates.back(), handle_rates.back(), handle_cpu_rates.back());
  }
  std::printf("median over %d runs: parse %.0f MB/s, full handler %.0f MB/s (%.0f MB per CPU second)\n", runs,
              median(parse_rates), median(handle_rates), median(handle_cpu_rates));
  return 0;
}
