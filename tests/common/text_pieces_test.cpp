// text_pieces: views stay views, copies in a row merge, and the pieces survive the storage growing.
#include "common/text/text_pieces.hpp"

#include <gtest/gtest.h>

#include <string>

using sf::text::text_pieces;

TEST(text_pieces, views_and_copies_join_in_order_and_copies_in_a_row_merge) {
  const std::string kept = "document-one\n";
  text_pieces p;
  p.append_copy("head ");
  p.append_copy_with([](std::string& s) { s.append("more "); });
  p.append_view(kept);
  p.append_view("");  // nothing: no empty piece
  p.append_copy("tail");
  EXPECT_EQ(p.piece_count(), 3u);
  EXPECT_EQ(p.piece(0), "head more ");
  EXPECT_EQ(p.piece(1).data(), kept.data());  // the caller's memory, not a copy
  EXPECT_EQ(p.joined(), "head more document-one\ntail");
  EXPECT_EQ(p.size(), p.joined().size());
}

TEST(text_pieces, copied_pieces_stay_right_when_the_storage_grows_and_after_a_move) {
  const std::string kept = "v";
  text_pieces p;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    const std::string c = "copy" + std::to_string(i);
    p.append_copy(c);
    p.append_view(kept);
    expected += c + kept;
  }
  text_pieces moved = std::move(p);
  EXPECT_EQ(moved.piece_count(), 4000u);
  EXPECT_EQ(moved.joined(), expected);
}
