// event_batch: the flat arenas the sinks read, with add, begin/commit, abandon and rollback.
#include "sinks/event_batch.hpp"

#include <gtest/gtest.h>

namespace {

using sf::audit::event_batch;

TEST(event_batch, add_and_commit_keep_order_ids_timestamps_and_ndjson) {
  event_batch b;
  EXPECT_TRUE(b.empty());
  b.add("id1", "2026-01-01T00:00:00Z", R"({"a":1})");
  auto& out = b.begin_document();
  const auto start = out.size();
  out.append(R"({"b":2})");
  b.commit_document("id2", "", start);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.id(0), "id1");
  EXPECT_EQ(b.timestamp(0), "2026-01-01T00:00:00Z");
  EXPECT_EQ(b.id(1), "id2");
  EXPECT_EQ(b.timestamp(1), "");
  EXPECT_EQ(b.document(1), R"({"b":2})");
  EXPECT_EQ(b.ndjson(), "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_GT(b.bytes(), b.ndjson().size());
}

TEST(event_batch, abandoned_document_leaves_no_bytes) {
  event_batch b;
  b.add("id1", "t", "{}");
  auto& out = b.begin_document();
  const auto start = out.size();
  out.append("{\"half");
  b.abandon_document(start);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b.ndjson(), "{}\n");
}

TEST(event_batch, rollback_takes_back_everything_after_the_mark) {
  event_batch b;
  b.add("keep", "t1", "{\"k\":1}");
  const auto m = b.position();
  b.add("drop1", "t2", "{\"d\":1}");
  b.add("drop2", "t3", "{\"d\":2}");
  b.rollback(m);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b.ndjson(), "{\"k\":1}\n");
  b.add("next", "t4", "{}");
  EXPECT_EQ(b.id(1), "next");
  EXPECT_EQ(b.timestamp(1), "t4");
}

TEST(event_batch, clear_empties_but_keeps_working) {
  event_batch b;
  b.add("a", "t", "{}");
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.ndjson().empty());
  b.add("b", "t", "{}");
  EXPECT_EQ(b.id(0), "b");
}

}  // namespace

TEST(event_batch, keeps_where_each_documents_event_members_start_if_told) {
  event_batch b;
  b.add("a", "t", R"({"event":{"id":"a"}})", 10);
  b.add("b", "t", R"({"x":1})");
  auto& out = b.begin_document();
  const std::size_t start = out.size();
  out.append(R"({"@timestamp":"t","event":{"id":"c"}})");
  b.commit_document("c", "t", start, 27);
  EXPECT_EQ(b.event_members(0), 10u);
  EXPECT_EQ(b.event_members(1), event_batch::unknown);
  EXPECT_EQ(b.event_members(2), 27u);
  EXPECT_EQ(b.document(2).substr(27, 5), R"("id":)");
  b.rollback({1, b.document_line(0).size(), 2});
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b.event_members(0), 10u);
}

// What a sink splicing fields in must know of a document's bytes is recorded as it is added or committed.
TEST(event_batch, records_whether_a_document_closes_an_object_and_its_event_object_is_empty) {
  event_batch b;
  b.add("a", "t", R"({"event":{}})", 10);
  b.add("b", "t", R"({"event":{"id":"b"}})", 10);
  b.add("c", "t", "[1]");
  b.add("d", "t", "");
  auto& out = b.begin_document();
  const std::size_t start = out.size();
  out.append(R"({"@timestamp":"t","event":{}})");
  b.commit_document("e", "t", start, 27);
  EXPECT_TRUE(b.shape(0).closes_object);
  EXPECT_TRUE(b.shape(0).event_empty);
  EXPECT_TRUE(b.shape(1).closes_object);
  EXPECT_FALSE(b.shape(1).event_empty);
  EXPECT_FALSE(b.shape(2).closes_object);
  EXPECT_FALSE(b.shape(3).closes_object);
  EXPECT_FALSE(b.shape(3).event_empty);
  EXPECT_TRUE(b.shape(4).closes_object);
  EXPECT_TRUE(b.shape(4).event_empty);
}
