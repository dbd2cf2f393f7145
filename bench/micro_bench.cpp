// Micro-benchmarks of the forwarder's hot paths on simulator-made pages: parsing, ECS mapping, bulk, gzip,
// zstd.
//
// The pages come from scaleft-sim's own generator and page renderer (same seed, same odd-event share), so
// the bytes are those the end-to-end benchmark fetches. Rates are per event or per MB of input.
#include "daemon/audit/ecs_mapping.hpp"
#include "daemon/audit/page_renderer.hpp"
#include "sim/scaleft/event_generator.hpp"
#include "sim/scaleft/event_store.hpp"
#include "sinks/elasticsearch/bulk.hpp"
#include "sinks/elasticsearch/gzip.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <zstd.h>

#include <algorithm>
#include <deque>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr std::size_t page_events = 1000;

// One 1000-event page as scaleft-sim serves it (seed 7, 2 % odd events, timestamps over 30 days).
const std::string& sim_page() {
  static const std::string page = [] {
    sfsim::scaleft::event_generator gen(7, "acme", 0.02);
    sfsim::scaleft::event_store store;
    const sfsim::scaleft::nanos now = 1'700'000'000LL * sfsim::scaleft::ns_per_s;
    for (auto t : gen.spread(page_events, now - 30LL * 86400 * sfsim::scaleft::ns_per_s, now))
      store.append(gen.make(t));
    sfsim::scaleft::page_window w;
    w.begin = 0;
    w.end = page_events;
    return store.render(w, gen.pool());
  }();
  return page;
}

// The same page rendered to ECS, as the sinks receive it.
const sf::audit::event_batch& sim_batch() {
  static const sf::audit::event_batch batch = [] {
    sf::audit::event_batch b;
    simdjson::ondemand::parser parser;
    simdjson::padded_string body(sim_page());
    auto outcome = sf::audit::render_page(parser, body, "2026-12-01T12:00:00.000000000Z", b);
    if (!outcome.ok || b.size() != page_events) throw std::runtime_error("the simulator page did not render");
    return b;
  }();
  return batch;
}

std::vector<std::uint32_t> all_items(const sf::audit::event_batch& b) {
  std::vector<std::uint32_t> items(b.size());
  std::iota(items.begin(), items.end(), 0u);
  return items;
}

// Every benchmark also reports min and max over its repetitions (the median comes with the defaults).
void with_spread(benchmark::internal::Benchmark* b) {
  b->Unit(benchmark::kMicrosecond)
      ->ComputeStatistics("min",
                          [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); })
      ->ComputeStatistics("max",
                          [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });
}

void set_event_rate(benchmark::State& state, std::size_t events_per_iteration,
                    std::size_t bytes_per_iteration) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events_per_iteration));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_per_iteration));
}

// Page parsing alone: simdjson on-demand over the envelope, every event's id and timestamp read, every
// related object's key visited. What any consumer of the page pays before producing anything.
void page_parse(benchmark::State& state) {
  simdjson::padded_string body(sim_page());
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    std::size_t ids = 0, related = 0;
    auto doc = parser.iterate(body);
    for (auto ev : doc["list"].get_array()) {
      std::string_view id, ts;
      auto obj = ev.get_object();
      for (auto field : obj) {
        std::string_view key = field.unescaped_key();
        if (key == "id")
          id = field.value().get_string();
        else if (key == "timestamp")
          ts = field.value().get_string();
      }
      ids += !id.empty() && !ts.empty();
    }
    for (auto field : doc["related_objects"].get_object()) {
      benchmark::DoNotOptimize(field.unescaped_key().value());
      ++related;
    }
    if (ids != page_events) state.SkipWithError("not every event had an id and a timestamp");
    benchmark::DoNotOptimize(related);
  }
  set_event_rate(state, page_events, sim_page().size());
}
BENCHMARK(page_parse)->Apply(with_spread);

// The whole renderer: parse, resolve related objects, write each ECS document (one pass per event).
void render_page(benchmark::State& state) {
  simdjson::padded_string body(sim_page());
  simdjson::ondemand::parser parser;
  sf::audit::render_scratch scratch;
  sf::audit::event_batch batch;
  for (auto _ : state) {
    batch.clear();
    auto outcome = sf::audit::render_page(parser, body, "2026-12-01T12:00:00.000000000Z", batch, scratch);
    if (!outcome.ok) state.SkipWithError(outcome.error.c_str());
    benchmark::DoNotOptimize(batch.ndjson().data());
  }
  set_event_rate(state, page_events, sim_page().size());
}
BENCHMARK(render_page)->Apply(with_spread);

// The renderer as the forwarder runs it: every page into a batch of its own while the two before it are
// still held (the delivery window's two pages), from one of three copies of the page (a fresh receive each
// time). Against render_page, what it costs that the page's ~1.9 MB of documents land in memory that has not
// just been written.
void render_page_windowed(benchmark::State& state) {
  std::vector<simdjson::padded_string> bodies;
  for (int i = 0; i < 3; ++i) bodies.emplace_back(sim_page());
  simdjson::ondemand::parser parser;
  sf::audit::render_scratch scratch;
  std::deque<sf::audit::event_batch> held;
  std::size_t next = 0;
  for (auto _ : state) {
    held.emplace_back();
    auto outcome = sf::audit::render_page(parser, bodies[next], "2026-12-01T12:00:00.000000000Z", held.back(),
                                          scratch);
    if (!outcome.ok) state.SkipWithError(outcome.error.c_str());
    benchmark::DoNotOptimize(held.back().ndjson().data());
    if (held.size() > 2) held.pop_front();
    next = (next + 1) % bodies.size();
  }
  set_event_rate(state, page_events, sim_page().size());
}
BENCHMARK(render_page_windowed)->Apply(with_spread);

// ECS mapping alone: the audit type -> event.category/type/outcome table, for every type of the page.
void ecs_classify(benchmark::State& state) {
  std::vector<std::string> types;
  simdjson::padded_string body(sim_page());
  simdjson::ondemand::parser parser;
  auto doc = parser.iterate(body);
  for (auto ev : doc["list"].get_array()) {
    std::string_view t = ev["details"]["type"].get_string().value_unsafe();
    types.emplace_back(t);
  }
  for (auto _ : state) {
    std::size_t known = 0;
    for (const auto& t : types) known += sf::audit::find_event_type(t) != nullptr;
    benchmark::DoNotOptimize(known);
  }
  set_event_rate(state, types.size(), 0);
}
BENCHMARK(ecs_classify)->Apply(with_spread);

// _bulk body for a 1000-event page: action line + document per event, as the ES sink sends it.
void bulk_encode(benchmark::State& state) {
  const auto& batch = sim_batch();
  const auto items = all_items(batch);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto requests =
        sf::sinks::elasticsearch::split_requests(batch, items, "logs-scaleft.audit-default", 5000, 10u << 20);
    for (const auto& r : requests) {
      std::string body = sf::sinks::elasticsearch::encode_bulk_body(batch, r, "logs-scaleft.audit-default");
      bytes = body.size();
      benchmark::DoNotOptimize(body.data());
    }
  }
  set_event_rate(state, batch.size(), bytes);
}
BENCHMARK(bulk_encode)->Apply(with_spread);

// The same body for a data stream with no pipeline: data_stream.* and event.ingested spliced into each
// document as the sink does it (no re-parse).
void bulk_encode_data_stream(benchmark::State& state) {
  const auto& batch = sim_batch();
  const auto items = all_items(batch);
  sf::sinks::elasticsearch::bulk_format f;
  f.target = "logs-scaleft.audit-default";
  f.extras.tail = sf::sinks::elasticsearch::data_stream_tail(f.target);
  if (state.range(0) == 1) f.extras.ingested = sf::sinks::elasticsearch::ingested_field("2026-01-01T00:00:00.000Z");
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto requests = sf::sinks::elasticsearch::split_requests(batch, items, f, 5000, 10u << 20);
    for (const auto& r : requests) {
      std::string body = sf::sinks::elasticsearch::encode_bulk_body(batch, r, f);
      bytes = body.size();
      benchmark::DoNotOptimize(body.data());
    }
  }
  set_event_rate(state, batch.size(), bytes);
}
BENCHMARK(bulk_encode_data_stream)->Arg(0)->Arg(1)->Apply(with_spread);

// A 1000-item _bulk response as Elasticsearch writes it; `failed` items carry a 429 error object.
std::string bulk_response_text(std::size_t items, std::size_t failed) {
  std::string out = R"({"took":12,"errors":)";
  out += failed > 0 ? "true" : "false";
  out += R"(,"items":[)";
  for (std::size_t i = 0; i < items; ++i) {
    if (i > 0) out += ',';
    out += R"({"create":{"_index":".ds-logs-scaleft.audit-default-2024.01.01-000001","_id":"id)" +
           std::to_string(i) +
           R"(","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},)";
    if (i < failed)
      out +=
          R"("status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}})";
    else
      out += R"("_seq_no":)" + std::to_string(i) + R"(,"_primary_term":1,"status":201}})";
  }
  out += "]}";
  return out;
}

void bulk_response_parse(benchmark::State& state) {
  const std::size_t failed = static_cast<std::size_t>(state.range(0));
  const std::string body = bulk_response_text(page_events, failed);
  for (auto _ : state) {
    auto r = sf::sinks::elasticsearch::parse_bulk_response(body, page_events);
    if (!r.ok()) state.SkipWithError(r.error.c_str());
    benchmark::DoNotOptimize(r.items.data());
  }
  set_event_rate(state, page_events, body.size());
}
BENCHMARK(bulk_response_parse)->Arg(0)->Arg(100)->Apply(with_spread);

// Compression of the NDJSON of a page at the sinks' levels (gzip 1 for ES, zstd 3 for files); per MB in.
// gzip_level: one contiguous buffer at ISA-L's levels 0..3. gzip_bulk_pieces: the sink's own path, a _bulk
// body compressed from its pieces (action lines and views of the documents) at level 1.
void gzip_level(benchmark::State& state) {
  const std::string_view data = sim_batch().ndjson();
  const int level = static_cast<int>(state.range(0));
  std::size_t out = 0;
  for (auto _ : state) {
    auto z = sf::sinks::elasticsearch::gzip_compress(data, level);
    if (!z) state.SkipWithError("gzip failed");
    out = z->size();
  }
  state.counters["ratio"] = static_cast<double>(data.size()) / static_cast<double>(out);
  set_event_rate(state, page_events, data.size());
}
BENCHMARK(gzip_level)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->Apply(with_spread);

void gzip_bulk_pieces(benchmark::State& state) {
  const auto& batch = sim_batch();
  const auto items = all_items(batch);
  sf::sinks::elasticsearch::bulk_format f;
  f.target = "logs-scaleft.audit-default";
  const auto body = sf::sinks::elasticsearch::encode_bulk_pieces(batch, items, f);
  std::size_t out = 0;
  for (auto _ : state) {
    auto z = sf::sinks::elasticsearch::gzip_compress(body, 1);
    if (!z) state.SkipWithError("gzip failed");
    out = z->size();
  }
  state.counters["ratio"] = static_cast<double>(body.size()) / static_cast<double>(out);
  set_event_rate(state, page_events, body.size());
}
BENCHMARK(gzip_bulk_pieces)->Apply(with_spread);

void zstd_level3(benchmark::State& state) {
  const std::string_view data = sim_batch().ndjson();
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::string frame(ZSTD_compressBound(data.size()), '\0');
  std::size_t out = 0;
  for (auto _ : state) {
    out = ZSTD_compress2(cctx, frame.data(), frame.size(), data.data(), data.size());
    if (ZSTD_isError(out)) state.SkipWithError("zstd failed");
    benchmark::DoNotOptimize(frame.data());
  }
  ZSTD_freeCCtx(cctx);
  state.counters["ratio"] = static_cast<double>(data.size()) / static_cast<double>(out);
  set_event_rate(state, page_events, data.size());
}
BENCHMARK(zstd_level3)->Apply(with_spread);

}  // namespace

BENCHMARK_MAIN();
