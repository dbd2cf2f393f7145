// Renderer behaviour beyond the golden pages: reuse, valid JSON per line, rollback, realistic pages.
#include "daemon/audit/page_renderer.hpp"
#include "tests/audit/page_factory.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using sf::audit::event_batch;
using sf::audit::render_page;

sf::audit::page_outcome render(simdjson::ondemand::parser& p, std::string_view json, event_batch& b) {
  const simdjson::padded_string body(json);
  return render_page(p, body, b);
}

TEST(render_page, same_page_twice_into_a_reused_parser_gives_identical_bytes) {
  const std::string page = sf::audit::testing::make_realistic_page(200, 7);
  const std::string other = sf::audit::testing::make_realistic_page(150, 8);
  simdjson::ondemand::parser parser;
  event_batch first, middle, second;
  ASSERT_TRUE(render(parser, page, first).ok);
  ASSERT_TRUE(render(parser, other, middle).ok);  // a different page in between must leave no trace
  ASSERT_TRUE(render(parser, page, second).ok);
  EXPECT_EQ(first.size(), 200u);
  EXPECT_EQ(first.ndjson(), second.ndjson());
}

TEST(render_page, every_line_is_json_with_the_ecs_fields) {
  const std::string page = sf::audit::testing::make_realistic_page(1000, 3);
  simdjson::ondemand::parser parser;
  event_batch batch;
  const auto o = render(parser, page, batch);
  ASSERT_TRUE(o.ok) << o.error;
  ASSERT_EQ(o.events, 1000u);
  ASSERT_EQ(batch.size(), 1000u);

  simdjson::dom::parser dom;
  std::size_t with_user = 0, with_host = 0, with_category = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const std::string_view line = batch.document(i);
    ASSERT_EQ(line.find('\n'), std::string_view::npos);
    simdjson::dom::element doc;
    ASSERT_EQ(dom.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS) << line;
    std::string_view id, ts, kind, vendor, dataset;
    ASSERT_EQ(doc["event"]["id"].get(id), simdjson::SUCCESS);
    EXPECT_EQ(id, batch.id(i));
    ASSERT_EQ(doc["@timestamp"].get(ts), simdjson::SUCCESS);
    EXPECT_EQ(ts, batch.timestamp(i));
    EXPECT_EQ(ts.size(), 30u);  // nanoseconds kept
    ASSERT_EQ(doc["event"]["kind"].get(kind), simdjson::SUCCESS);
    EXPECT_EQ(kind, "event");
    ASSERT_EQ(doc["event"]["dataset"].get(dataset), simdjson::SUCCESS);
    EXPECT_EQ(dataset, "scaleft.audit");
    ASSERT_EQ(doc["observer"]["vendor"].get(vendor), simdjson::SUCCESS);
    EXPECT_EQ(vendor, "Okta");
    simdjson::dom::object details, related;
    ASSERT_EQ(doc["scaleft"]["details"].get(details), simdjson::SUCCESS);
    ASSERT_EQ(doc["scaleft"]["related_objects"].get(related), simdjson::SUCCESS);
    // Every reference in details is carried along, and nothing else.
    std::string_view actor;
    ASSERT_EQ(details["actor"].get(actor), simdjson::SUCCESS);
    EXPECT_EQ(related[actor].error(), simdjson::SUCCESS);
    for (auto [key, value] : related) {
      bool referenced = false;
      for (auto [dk, dv] : details) {
        std::string_view s;
        if (dv.get(s) == simdjson::SUCCESS && s == key) referenced = true;
      }
      EXPECT_TRUE(referenced) << key << " is not referenced by " << line;
    }
    std::string_view user_name;
    if (doc["user"]["name"].get(user_name) == simdjson::SUCCESS) {
      ++with_user;
      simdjson::dom::array ru;
      ASSERT_EQ(doc["related"]["user"].get(ru), simdjson::SUCCESS);
      EXPECT_EQ(ru.at(0).get_string().value(), user_name);
    }
    if (doc["host"]["hostname"].error() == simdjson::SUCCESS) ++with_host;
    if (doc["event"]["category"].error() == simdjson::SUCCESS) ++with_category;
  }
  EXPECT_EQ(with_user, 1000u);
  EXPECT_EQ(with_host, 1000u);
  EXPECT_EQ(with_category, 1000u);
  // The NDJSON view is the documents, each followed by a newline.
  EXPECT_EQ(batch.ndjson().back(), '\n');
  EXPECT_EQ(std::count(batch.ndjson().begin(), batch.ndjson().end(), '\n'), 1000);
}

TEST(render_page, malformed_page_appends_nothing_to_a_batch_that_already_holds_events) {
  simdjson::ondemand::parser parser;
  event_batch batch;
  ASSERT_TRUE(render(parser, R"({"list":[{"id":"keep","timestamp":"t"}],"related_objects":{}})", batch).ok);
  const std::string before(batch.ndjson());
  const auto o =
      render(parser, R"({"list":[{"id":"a"},{"id":"b"},{"id":null}],"related_objects":{}})", batch);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.error, "list[2]: id is not a string");
  EXPECT_EQ(o.events, 0u);
  EXPECT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.ndjson(), before);
  EXPECT_EQ(batch.id(0), "keep");
  // And the batch still takes the next good page after the bad one.
  ASSERT_TRUE(render(parser, R"({"list":[{"id":"next"}],"related_objects":{}})", batch).ok);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.id(1), "next");
  EXPECT_EQ(batch.timestamp(1), "");
}

TEST(render_page, appends_after_events_already_in_the_batch_in_page_order) {
  simdjson::ondemand::parser parser;
  event_batch batch;
  ASSERT_TRUE(render(parser, R"({"list":[{"id":"a"},{"id":"b"}],"related_objects":{}})", batch).ok);
  const auto o = render(parser, R"({"list":[{"id":"c"},{"id":"d"}],"related_objects":{}})", batch);
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.events, 2u);
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch.id(0), "a");
  EXPECT_EQ(batch.id(3), "d");
  EXPECT_NE(batch.document(2).find(R"("id":"c")"), std::string_view::npos);
}

TEST(render_page, raw_control_characters_in_a_string_make_the_page_malformed) {
  // A raw newline inside a string is not JSON; simdjson's first pass finds it even deep in a nested object,
  // so such a page is reported (and retried by the caller) rather than split into a broken NDJSON line.
  std::string page = "{\"list\":[{\"id\":\"a\",\"details\":{\"type\":\"x.y\",\"more\":{\"note\":";
  page += "\"line1\nline2\"}}}],\"related_objects\":{}}";
  simdjson::ondemand::parser parser;
  event_batch batch;
  const auto o = render(parser, page, batch);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.error.rfind("body is not JSON: ", 0), 0u) << o.error;
  EXPECT_TRUE(batch.empty());
}

TEST(render_page, explicit_scratch_and_thread_scratch_agree) {
  const std::string page = sf::audit::testing::make_realistic_page(50, 11);
  const simdjson::padded_string body(page);
  simdjson::ondemand::parser parser;
  sf::audit::render_scratch scratch;
  event_batch a, b;
  ASSERT_TRUE(render_page(parser, body, a, scratch).ok);
  ASSERT_TRUE(render_page(parser, body, b).ok);
  EXPECT_EQ(a.ndjson(), b.ndjson());
}

}  // namespace
