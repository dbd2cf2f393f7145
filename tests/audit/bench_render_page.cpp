// Throughput probe (not a test): ns per event for render_page on 1000-event realistic pages, median of runs.
#include "daemon/audit/page_renderer.hpp"
#include "tests/audit/page_factory.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>
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

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 15;
  constexpr std::size_t events = 1000;
  constexpr int pages_per_run = 20;
  std::vector<simdjson::padded_string> pages;
  std::size_t bytes = 0;
  for (int p = 0; p < 8; ++p) {
    pages.emplace_back(sf::audit::testing::make_realistic_page(events, static_cast<unsigned>(p + 1)));
    bytes += pages.back().size();
  }
  simdjson::ondemand::parser parser;
  sf::audit::render_scratch scratch;
  sf::audit::event_batch batch;
  std::vector<double> ns_per_event;
  ns_per_event.reserve(static_cast<std::size_t>(runs));
  std::size_t steady_allocations = 0;
  std::size_t out_bytes = 0;
  for (int r = 0; r < runs + 1; ++r) {  // the first run warms buffers and is not counted
    const std::size_t allocations_before = allocations;
    // CPU time of this thread: the budget is CPU per event, and the machine is shared.
    timespec t0{}, t1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (int i = 0; i < pages_per_run; ++i) {
      batch.clear();
      const auto o =
          sf::audit::render_page(parser, pages[static_cast<std::size_t>(i) % pages.size()], batch, scratch);
      if (!o.ok || o.events != events) {
        std::fprintf(stderr, "render failed: %s\n", o.error.c_str());
        return 1;
      }
      out_bytes = batch.ndjson().size();
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    const double dt = double(t1.tv_sec - t0.tv_sec) * 1e9 + double(t1.tv_nsec - t0.tv_nsec);
    if (r > 0) {
      ns_per_event.push_back(dt / (pages_per_run * events));
      steady_allocations += allocations - allocations_before;
    }
  }
  std::sort(ns_per_event.begin(), ns_per_event.end());
  std::printf("input %.0f bytes/event, output %.0f bytes/event\n", double(bytes) / (pages.size() * events),
              double(out_bytes) / events);
  std::printf(
      "render_page: median %.0f ns/event of CPU (min %.0f, max %.0f) over %d runs of %d pages x %zu events\n",
      ns_per_event[ns_per_event.size() / 2], ns_per_event.front(), ns_per_event.back(), runs, pages_per_run,
      events);
  std::printf("heap allocations after the first run: %zu\n", steady_allocations);
  return 0;
}
