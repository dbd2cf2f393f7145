// large_blocks: text buffers of 1 MiB or more map their memory apart from the malloc heap; freed blocks are
// kept (the largest two) for the next buffer of about the same size, and a caught-up process unmaps them.
#include "common/text/large_blocks.hpp"
#include "common/text/text_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <new>
#include <string>
#include <utility>

namespace lb = sf::text::large_blocks;
using sf::text::text_buffer;

namespace {

// Whether [p, p + n) lies in an anonymous mapping of its own in /proc/self/maps (not the [heap]).
bool in_own_mapping(const void* p) {
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  if (f == nullptr) return false;
  char line[512];
  bool found = false;
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long begin = 0, end = 0;
    char name[256] = "";
    if (std::sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &begin, &end, name) < 2) continue;
    if (at >= begin && at < end) {
      found = std::string(name) != "[heap]";
      break;
    }
  }
  std::fclose(f);
  return found;
}

class LargeBlocks : public ::testing::Test {
 protected:
  void SetUp() override { lb::release_kept(); }
  void TearDown() override { lb::release_kept(); }
};

}  // namespace

TEST_F(LargeBlocks, AFreedBlockIsKeptAndServesTheNextRequestOfItsSize) {
  std::size_t bytes = (std::size_t{3} << 20) / 2;  // 1.5 MiB
  char* first = lb::take(bytes);
  ASSERT_NE(first, nullptr);
  EXPECT_GE(bytes, (std::size_t{3} << 20) / 2);
  EXPECT_EQ(bytes % (256 << 10), 0u);  // rounded up, so that similar requests fit it
  EXPECT_TRUE(in_own_mapping(first));
  first[0] = 'a';
  first[bytes - 1] = 'z';
  lb::give_back(first, bytes);
  EXPECT_EQ(lb::kept_blocks(), 1u);
  EXPECT_EQ(lb::kept_bytes(), bytes);

  std::size_t again = (std::size_t{3} << 20) / 2 - 1000;
  char* second = lb::take(again);
  EXPECT_EQ(second, first);  // reused, not mapped anew
  EXPECT_EQ(again, bytes);
  EXPECT_EQ(lb::kept_blocks(), 0u);
  lb::give_back(second, again);
}

TEST_F(LargeBlocks, ARequestTooLargeToRoundIsRefused) {
  std::size_t absurd = ~std::size_t{0} - 100;
  EXPECT_THROW(lb::take(absurd), std::bad_alloc);
  std::size_t two = 2 << 20;
  char* b = lb::take(two);
  lb::give_back(b, two);
  absurd = ~std::size_t{0};
  EXPECT_THROW(lb::take(absurd), std::bad_alloc);  // and a kept block is not handed out for it
  EXPECT_EQ(lb::kept_blocks(), 1u);
}

TEST_F(LargeBlocks, OnlyTheLargestTwoAreKeptAndTooSmallOnesAreNotHandedOut) {
  std::size_t small = 1 << 20, medium = 2 << 20, large = 3 << 20;
  char* s = lb::take(small);
  char* m = lb::take(medium);
  char* l = lb::take(large);
  lb::give_back(s, small);
  lb::give_back(m, medium);
  lb::give_back(l, large);  // the smallest kept one (1 MiB) goes
  EXPECT_EQ(lb::kept_blocks(), 2u);
  EXPECT_EQ(lb::kept_bytes(), medium + large);

  std::size_t want = (5 << 20) / 2;  // 2.5 MiB: only the 3 MiB block fits
  char* got = lb::take(want);
  EXPECT_EQ(got, l);
  EXPECT_EQ(want, large);
  std::size_t bigger = 4 << 20;  // nothing kept fits: a new mapping
  char* fresh = lb::take(bigger);
  EXPECT_EQ(bigger, 4u << 20);
  EXPECT_EQ(lb::kept_blocks(), 1u);  // the 2 MiB block is still kept: it was too small
  EXPECT_EQ(lb::kept_bytes(), medium);
  lb::give_back(got, want);
  lb::give_back(fresh, bigger);
  lb::release_kept();
  EXPECT_EQ(lb::kept_blocks(), 0u);
  EXPECT_EQ(lb::kept_bytes(), 0u);
}

TEST_F(LargeBlocks, ATextBufferGrowingPastTheThresholdKeepsItsBytesAndReturnsItsBlock) {
  if (lb::address_sanitizer) GTEST_SKIP() << "under AddressSanitizer every text buffer uses malloc";
  std::string expected;
  {
    text_buffer b;
    for (int i = 0; i < 200000; ++i) {  // ~2.4 MB, through malloc'd sizes into mapped blocks
      const std::string piece = std::to_string(i) + ",";
      b.append(piece);
      expected += piece;
    }
    EXPECT_EQ(b.view(), expected);
    EXPECT_GE(b.capacity(), lb::threshold);
    EXPECT_TRUE(in_own_mapping(b.data()));
    text_buffer moved(std::move(b));
    EXPECT_EQ(moved.view(), expected);
    EXPECT_EQ(b.capacity(), 0u);
  }
  EXPECT_GE(lb::kept_blocks(), 1u);  // the last block went back for the next page

  const std::size_t kept_before_next = lb::kept_blocks();
  text_buffer next;
  next.reserve(expected.size());
  EXPECT_GE(next.capacity(), expected.size());
  EXPECT_EQ(lb::kept_blocks(), kept_before_next - 1);  // a kept block, not a new mapping
  EXPECT_EQ(next.size(), 0u);
  next.append(expected);
  EXPECT_EQ(next.view(), expected);

  const std::size_t kept_before = lb::kept_bytes();
  {
    text_buffer small;  // below the threshold: malloc, and nothing comes from or goes to the kept blocks
    small.reserve(1000);
    small.append("x");
    EXPECT_LT(small.capacity(), lb::threshold);
    EXPECT_EQ(lb::kept_bytes(), kept_before);
  }
  EXPECT_EQ(lb::kept_bytes(), kept_before);
}
