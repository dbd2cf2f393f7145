// Steady state: once the parser, scratch and batch have grown, rendering a page allocates nothing.
#include "daemon/audit/page_renderer.hpp"
#include "tests/audit/page_factory.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::size_t> allocations{0};

// Every replaceable form of operator new and delete goes through malloc/free (posix_memalign for the
// aligned forms), so no pairing of them can mismatch: simdjson allocates with the nothrow form, and under
// ASan a partial replacement is reported as alloc-dealloc-mismatch. This binary holds only this test.
void* counted_alloc(std::size_t n, std::size_t align) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  for (;;) {
    void* p = nullptr;
    if (align <= alignof(std::max_align_t)) {
      p = std::malloc(n);
    } else if (posix_memalign(&p, align, n) != 0) {
      p = nullptr;
    }
    if (p) return p;
    // As the standard's operator new does: give the new_handler a chance to free memory, else fail.
    std::new_handler h = std::get_new_handler();
    if (!h) return nullptr;
    try {
      h();
    } catch (...) {
      return nullptr;
    }
  }
}

void* counted_alloc_or_throw(std::size_t n, std::size_t align) {
  if (void* p = counted_alloc(n, align)) return p;
  throw std::bad_alloc();
}

constexpr std::size_t plain = alignof(std::max_align_t);

}  // namespace

void* operator new(std::size_t n) { return counted_alloc_or_throw(n, plain); }
void* operator new[](std::size_t n) { return counted_alloc_or_throw(n, plain); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, plain); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, plain); }
void* operator new(std::size_t n, std::align_val_t a) {
  return counted_alloc_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_alloc_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_alloc(n, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

TEST(allocator_replacement, counts_every_form_of_new) {
  // A form that bypassed the counter would make the steady-state check below pass without meaning it.
  // Direct calls: a new-expression whose result is unused may be elided by the compiler.
  const std::size_t before = allocations.load();
  const std::nothrow_t& nt = std::nothrow;
  const auto al = std::align_val_t{64};
  ::operator delete(::operator new(8));
  ::operator delete[](::operator new[](8));
  ::operator delete(::operator new(8, nt), nt);
  ::operator delete[](::operator new[](8, nt), nt);
  ::operator delete(::operator new(64, al), al);
  ::operator delete[](::operator new[](64, al), al);
  ::operator delete(::operator new(64, al, nt), al, nt);
  ::operator delete[](::operator new[](64, al, nt), al, nt);
  ::operator delete(::operator new(8), std::size_t{8});
  ::operator delete(::operator new(64, al), std::size_t{64}, al);
  EXPECT_EQ(allocations.load() - before, 10u);
}

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
