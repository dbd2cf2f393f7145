// Unit tests of the bulk bodies' gzip: compressed from pieces as if joined, at every level, any size.
#include "sinks/elasticsearch/gzip.hpp"

#include "sinks/elasticsearch/bulk.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace es = sf::sinks::elasticsearch;
using sf::audit::event_batch;
using sf::text::text_pieces;

namespace {

// Documents of words drawn from a small vocabulary: text that compresses like JSON, differently per level.
event_batch wordy_batch(std::size_t n, std::size_t words_per_doc) {
  static const char* const vocabulary[] = {"session", "server", "client", "user", "team", "issued", "token",
                                           "ACTIVE", "macOS", "Absalom", "Jason", "Compson", "acme", "via",
                                           "target", "project", "ssh", "rdp", "auth", "credential", "grant"};
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(vocabulary) - 1);
  std::uniform_int_distribution<int> digit(0, 9);
  event_batch b;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string id = "id-" + std::to_string(i);
    std::string text;
    for (std::size_t w = 0; w < words_per_doc; ++w) {
      text += vocabulary[pick(rng)];
      text += static_cast<char>('0' + digit(rng));
      text += ' ';
    }
    b.add(id, "2026-01-01T00:00:00Z", R"({"event":{"id":")" + id + R"("},"message":")" + text + "\"}");
  }
  return b;
}

std::vector<std::uint32_t> all(const event_batch& b) {
  std::vector<std::uint32_t> v(b.size());
  for (std::uint32_t i = 0; i < b.size(); ++i) v[i] = i;
  return v;
}

es::bulk_format to_idx() {
  es::bulk_format f;
  f.target = "idx";
  return f;
}

// Bytes that deflate cannot shrink: the compressed body outgrows the room first reserved for it.
std::string noise(std::size_t n) {
  std::mt19937 rng(5);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST(es_gzip, a_bulk_body_from_its_pieces_inflates_to_the_joined_text) {
  const auto b = wordy_batch(1000, 60);
  const text_pieces body = es::encode_bulk_pieces(b, all(b), to_idx());
  ASSERT_GT(body.piece_count(), 1000u);
  const std::string joined = body.joined();
  auto z = es::gzip_compress(body, 1);
  ASSERT_TRUE(z);
  EXPECT_LT(z->size(), joined.size() / 2);
  EXPECT_EQ(static_cast<unsigned char>((*z)[0]), 0x1f);  // gzip magic, not a zlib header
  EXPECT_EQ(static_cast<unsigned char>((*z)[1]), 0x8b);
  auto back = es::gzip_decompress(*z);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, joined);
  EXPECT_FALSE(es::gzip_decompress(z->substr(0, z->size() / 2)));
  EXPECT_FALSE(es::gzip_decompress("not gzip at all"));
}

// The compressor is kept per thread: every level in turn (out-of-range ones clamped), empty and one-byte
// bodies, pieces larger than the staging buffer between tiny ones, and a body that does not shrink must all
// inflate to the original bytes.
TEST(es_gzip, every_level_and_shape_round_trips) {
  const auto b = wordy_batch(3000, 40);
  const std::string wordy = es::encode_bulk_pieces(b, all(b), to_idx()).joined();
  const std::string random = noise(3u << 20);
  text_pieces mixed;
  mixed.append_copy("{\"a\":1}\n");
  mixed.append_view(random);  // far above the 64 KiB stage and the room a fifth of the body would get
  mixed.append_copy("x");
  mixed.append_view(std::string_view(wordy).substr(0, 200000));
  mixed.append_copy("\n");
  const std::string mixed_joined = mixed.joined();
  for (int level : {1, 0, 2, 3, 1, 99, -3}) {
    for (std::string_view data : {std::string_view(wordy), std::string_view(), std::string_view("x"),
                                  std::string_view(random)}) {
      auto z = es::gzip_compress(data, level);
      ASSERT_TRUE(z) << level;
      auto back = es::gzip_decompress(*z, 64u << 20);
      ASSERT_TRUE(back) << level << " " << data.size();
      EXPECT_EQ(*back, data) << level << " " << data.size();
    }
    auto z = es::gzip_compress(mixed, level);
    ASSERT_TRUE(z) << level;
    auto back = es::gzip_decompress(*z, 64u << 20);
    ASSERT_TRUE(back) << level;
    EXPECT_EQ(*back, mixed_joined) << level;
  }
  text_pieces nothing;
  auto z = es::gzip_compress(nothing, 1);
  ASSERT_TRUE(z);
  EXPECT_EQ(es::gzip_decompress(*z), std::string());
}

// The level reaches the compressor: level 3 searches harder than level 0 and finds a smaller body.
TEST(es_gzip, a_higher_level_gives_a_smaller_body) {
  const auto b = wordy_batch(3000, 40);
  const std::string wordy = es::encode_bulk_pieces(b, all(b), to_idx()).joined();
  const auto level0 = es::gzip_compress(wordy, 0);
  const auto level3 = es::gzip_compress(wordy, 3);
  ASSERT_TRUE(level0 && level3);
  EXPECT_LT(level3->size(), level0->size());
  EXPECT_EQ(es::gzip_compress(wordy, 99)->size(), level3->size());  // clamped to the highest level
}
