// Throughput probe (not a test): CPU ns per event and bytes per document of render_page on three corpora.
// `--dump-sim N FILE` writes the documents of N scaleft-sim events instead.
#include "daemon/audit/page_renderer.hpp"
#include "sim/scaleft/event_generator.hpp"
#include "sim/scaleft/event_store.hpp"
#include "tests/audit/golden_files.hpp"
#include "tests/audit/page_factory.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <vector>

// Counts heap allocations, to show the steady state allocates nothing.
static std::size_t allocations = 0;
void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

constexpr std::string_view read_time = "2026-12-01T12:00:00.000000000Z";

// `events` events as scaleft-sim serves them (seed 7, 2 % odd events, 30 days), in pages of 1000: the
// first page is the one bench/micro_bench measures.
std::vector<std::string> sim_pages(std::size_t events) {
  sfsim::scaleft::event_generator gen(7, "acme", 0.02);
  sfsim::scaleft::event_store store;
  const sfsim::scaleft::nanos now = 1'700'000'000LL * sfsim::scaleft::ns_per_s;
  for (auto t : gen.spread(events, now - 30LL * 86400 * sfsim::scaleft::ns_per_s, now)) {
    store.append(gen.make(t));
  }
  std::vector<std::string> pages;
  for (std::size_t begin = 0; begin < events; begin += 1000) {
    sfsim::scaleft::page_window w;
    w.begin = begin;
    w.end = std::min(events, begin + 1000);
    pages.push_back(store.render(w, gen.pool()));
  }
  return pages;
}

// Writes the NDJSON of `events` simulator events to `path` (to count an index's fields from it).
int dump_sim(std::size_t events, const char* path) {
  simdjson::ondemand::parser parser;
  sf::audit::event_batch batch;
  for (const auto& p : sim_pages(events)) {
    const simdjson::padded_string body(p);
    const auto o = sf::audit::render_page(parser, body, read_time, batch);
    if (!o.ok) {
      std::fprintf(stderr, "render failed: %s\n", o.error.c_str());
      return 1;
    }
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << batch.ndjson();
  return out ? 0 : 1;
}

// Every golden input page that renders (the .error ones are malformed on purpose).
std::vector<std::string> golden_pages() {
  std::vector<std::string> pages;
  for (const auto& p : sf::audit::testing::golden_files("json")) {
    auto error = p;
    error.replace_extension(".error");
    if (!std::filesystem::exists(error)) pages.push_back(sf::audit::testing::read_file(p));
  }
  return pages;
}

struct measured {
  double median_ns = 0, min_ns = 0, max_ns = 0;
  double in_bytes_per_event = 0, out_bytes_per_event = 0;
  std::size_t steady_allocations = 0;
};

// Renders every page `repeat` times per run; the first run warms buffers and is not counted.
bool measure(const std::vector<simdjson::padded_string>& pages, int runs, int repeat, measured& m) {
  simdjson::ondemand::parser parser;
  sf::audit::render_scratch scratch;
  sf::audit::event_batch batch;
  std::vector<double> ns_per_event;
  std::size_t events = 0, in_bytes = 0, out_bytes = 0;
  for (int r = 0; r < runs + 1; ++r) {
    const std::size_t allocations_before = allocations;
    events = in_bytes = out_bytes = 0;
    // CPU time of this thread: the budget is CPU per event, and the machine is shared.
    timespec t0{}, t1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (int i = 0; i < repeat; ++i) {
      for (const auto& page : pages) {
        batch.clear();
        const auto o = sf::audit::render_page(parser, page, read_time, batch, scratch);
        if (!o.ok) {
          std::fprintf(stderr, "render failed: %s\n", o.error.c_str());
          return false;
        }
        events += o.events;
        in_bytes += page.size();
        out_bytes += batch.ndjson().size();
      }
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    const double dt = double(t1.tv_sec - t0.tv_sec) * 1e9 + double(t1.tv_nsec - t0.tv_nsec);
    if (r > 0) {
      ns_per_event.push_back(dt / double(events));
      m.steady_allocations += allocations - allocations_before;
    }
  }
  std::sort(ns_per_event.begin(), ns_per_event.end());
  m.median_ns = ns_per_event[ns_per_event.size() / 2];
  m.min_ns = ns_per_event.front();
  m.max_ns = ns_per_event.back();
  m.in_bytes_per_event = double(in_bytes) / double(events);
  m.out_bytes_per_event = double(out_bytes) / double(events);  // the NDJSON line, newline included
  return true;
}

void report(const char* name, const measured& m, int runs) {
  std::printf("%-28s median %5.0f ns/event of CPU (min %.0f, max %.0f, %d runs); input %5.0f B/event, output "
              "%5.0f B/document; heap allocations after the first run: %zu\n",
              name, m.median_ns, m.min_ns, m.max_ns, runs, m.in_bytes_per_event, m.out_bytes_per_event,
              m.steady_allocations);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--dump-sim") {
    return dump_sim(std::strtoull(argv[2], nullptr, 10), argv[3]);
  }
  const int runs = argc > 1 ? std::atoi(argv[1]) : 15;
  std::vector<simdjson::padded_string> realistic, sim, golden;
  for (int p = 0; p < 8; ++p) {
    realistic.emplace_back(sf::audit::testing::make_realistic_page(1000, static_cast<unsigned>(p + 1)));
  }
  sim.emplace_back(sim_pages(1000).front());
  for (const auto& g : golden_pages()) golden.emplace_back(g);

  measured m;
  if (!measure(realistic, runs, 3, m)) return 1;
  report("factory pages (8 x 1000)", m, runs);
  m = {};
  if (!measure(sim, runs, 20, m)) return 1;
  report("scaleft-sim page (1000)", m, runs);
  m = {};
  if (!measure(golden, runs, 2000, m)) return 1;
  report("golden corpus", m, runs);
  return 0;
}
