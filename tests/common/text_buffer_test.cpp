// text_buffer: appends keep every byte in order across growth and copy exactly their bytes at any length,
// resize adds room without losing content, a move hands the bytes over and leaves the source empty.
#include "common/text/text_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

using sf::text::text_buffer;

TEST(text_buffer, appends_and_push_backs_keep_every_byte_in_order_across_growth) {
  text_buffer b;
  EXPECT_TRUE(b.empty());
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    const std::string piece = "doc" + std::to_string(i);
    b.append(piece);
    b.push_back(',');
    b.append("x", 1);
    expected += piece + ",x";
  }
  b.append(std::string_view{});  // nothing added
  EXPECT_EQ(b.view(), expected);
  EXPECT_EQ(b.size(), expected.size());
  EXPECT_GE(b.capacity(), b.size());
  EXPECT_EQ(std::string_view(b).substr(0, 5), "doc0,");
  EXPECT_EQ(b[3], '0');
}

TEST(text_buffer, an_append_of_any_length_copies_exactly_its_bytes_at_any_offset) {
  // Lengths on both sides of each inline copy's bounds (4, 8, 16, 32) and past them, at every alignment.
  std::string source;
  for (int i = 0; i < 80; ++i) source.push_back(static_cast<char>('A' + i % 58));
  for (std::size_t offset = 0; offset < 9; ++offset) {
    for (std::size_t n = 0; n <= 70; ++n) {
      text_buffer b;
      b.append(std::string(offset, '.'));
      b.append(source.data() + offset, n);
      b.push_back('|');
      ASSERT_EQ(b.view(), std::string(offset, '.') + source.substr(offset, n) + "|") << offset << " " << n;
    }
  }
}

TEST(text_buffer, resize_grows_for_the_caller_to_fill_and_shrinks_without_losing_the_front) {
  text_buffer b;
  b.append("head:");
  const std::size_t at = b.size();
  b.resize(at + 1000);
  for (std::size_t i = 0; i < 1000; ++i) b[at + i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(b.view().substr(0, 5), "head:");
  EXPECT_EQ(b[at + 27], 'b');
  b.resize(4);
  EXPECT_EQ(b.view(), "head");
  const std::size_t cap = b.capacity();
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), cap);  // clear keeps the storage for the next batch
}

TEST(text_buffer, reserve_keeps_content_and_never_shrinks) {
  text_buffer b;
  b.append("kept");
  b.reserve(10000);
  EXPECT_GE(b.capacity(), 10000u);
  EXPECT_EQ(b.view(), "kept");
  const char* before = b.data();
  for (int i = 0; i < 100; ++i) b.append("0123456789");
  EXPECT_EQ(b.data(), before);  // reserved room: no reallocation
  b.reserve(10);
  EXPECT_GE(b.capacity(), 10000u);
}

TEST(text_buffer, a_move_hands_the_bytes_over_and_leaves_the_source_empty) {
  text_buffer a;
  a.append("moved bytes");
  text_buffer b(std::move(a));
  EXPECT_EQ(b.view(), "moved bytes");
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.capacity(), 0u);
  a.append("reused");  // a moved-from buffer is usable again
  EXPECT_EQ(a.view(), "reused");
  text_buffer c;
  c.append("old");
  c = std::move(b);
  EXPECT_EQ(c.view(), "moved bytes");
  EXPECT_TRUE(b.empty());
}
