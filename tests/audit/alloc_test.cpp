// Steady state: once the parser, scratch and batch have grown, rendering a page allocates nothing.
#include "daemon/audit/page_renderer.hpp"
#include "tests/audit/page_factory.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> allocations{0};
}

// Counting replacement of the global allocator for this test binary (other tests are unaffected: it only
// counts).
void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
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

TEST(render_page, steady_state_allocates_nothing) {
  const simdjson::padded_string a(sf::audit::testing::make_realistic_page(1000, 21));
  const simdjson::padded_string b(sf::audit::testing::make_realistic_page(1000, 22));
  simdjson::ondemand::parser parser;
  sf::audit::render_scratch scratch;
  sf::audit::event_batch batch;
  const std::string read_time = "2026-12-01T12:00:00.000000000Z";
  // Warm up on both pages so that every buffer reaches its high-water mark.
  for (const auto* page : {&a, &b, &a, &b}) {
    batch.clear();
    ASSERT_TRUE(sf::audit::render_page(parser, *page, read_time, batch, scratch).ok);
  }
  const std::size_t before = allocations.load();
  for (int i = 0; i < 4; ++i) {
    batch.clear();
    const auto o = sf::audit::render_page(parser, i % 2 ? b : a, read_time, batch, scratch);
    ASSERT_TRUE(o.ok);
    ASSERT_EQ(o.events, 1000u);
  }
  EXPECT_EQ(allocations.load() - before, 0u);
}

}  // namespace
