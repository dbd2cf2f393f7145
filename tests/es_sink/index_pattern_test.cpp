// Unit tests of event-time index names and of what the sink splices into documents.
#include "config/config_loader.hpp"
#include "config/index_pattern.hpp"
#include "sinks/elasticsearch/document_extras.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

using sf::config::index_pattern;
namespace es = sf::sinks::elasticsearch;

namespace {

std::optional<index_pattern> parse(std::string_view text) {
  std::string problem;
  return index_pattern::parse(text, problem);
}

std::string problem_of(std::string_view text) {
  std::string problem;
  EXPECT_FALSE(index_pattern::parse(text, problem));
  return problem;
}

}  // namespace

TEST(index_pattern, resolves_from_the_utc_date_of_the_timestamp) {
  auto p = parse("scaleft-audit-%{+yyyy.MM.dd}");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->has_date());
  EXPECT_EQ(p->resolve("2020-07-31T22:52:15.239331336Z"), "scaleft-audit-2020.07.31");
  // An offset is converted to UTC first: 00:30+01:00 is 23:30 the day before.
  EXPECT_EQ(p->resolve("2026-01-02T00:30:00+01:00"), "scaleft-audit-2026.01.01");
  EXPECT_EQ(p->resolve("2026-12-31T23:30:00-01:00"), "scaleft-audit-2027.01.01");
  EXPECT_FALSE(p->resolve("yesterday"));
  EXPECT_EQ(p->wildcard(), "scaleft-audit-*");
  EXPECT_EQ(p->stem(), "scaleft-audit");
}

TEST(index_pattern, knows_hours_two_digit_years_and_several_fields) {
  auto p = parse("a-%{+YYYY}-x-%{+MM}.%{+yy_dd-HH}");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->resolve("2026-03-04T05:06:07Z"), "a-2026-x-03.26_04-05");
  EXPECT_EQ(p->wildcard(), "a-*-x-*");
  EXPECT_EQ(p->stem(), "a");
  auto h = parse("audit-%{+yyyy.MM.dd.HH.mm}");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->resolve("2026-03-04T05:06:07Z"), "audit-2026.03.04.05.06");
}

TEST(index_pattern, a_fixed_name_is_itself) {
  auto p = parse("scaleft-audit");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->has_date());
  EXPECT_EQ(p->resolve("anything"), "scaleft-audit");
  EXPECT_EQ(p->wildcard(), "scaleft-audit");
}

TEST(index_pattern, bad_patterns_say_what_is_wrong) {
  EXPECT_NE(problem_of("a-%{+yyyy.MM.dd").find("closing"), std::string::npos);
  EXPECT_NE(problem_of("a-%{[host][name]}").find("only date patterns"), std::string::npos);
  EXPECT_NE(problem_of("a-%{+}").find("empty"), std::string::npos);
  EXPECT_NE(problem_of("a-%{+yyyy/MM}").find("'/'"), std::string::npos);
  EXPECT_NE(problem_of("a-%{+EEE}").find("'E'"), std::string::npos);
  EXPECT_NE(problem_of("a-%{+yyyyy}").find("'y'"), std::string::npos);
}

TEST(index_pattern, the_config_loader_checks_it_and_names_the_key) {
  auto load = [](const std::string& index, const std::string& extra = "") {
    const std::string yaml = "source: {team: t, key_id: k, key_secret: s}\n"
                             "sinks:\n  - name: es\n    type: elasticsearch\n    url: http://127.0.0.1:9200\n"
                             "    index: \"" +
                             index + "\"\n" + extra;
    return sf::config::load_config_text(yaml, "f.yaml", [](const std::string&) { return std::nullopt; });
  };
  auto ok = load("scaleft-audit-%{+yyyy.MM.dd}", "    retention: 90d\n");
  ASSERT_TRUE(ok.errors.empty()) << ok.errors[0].to_string();
  const auto& es_cfg = std::get<sf::config::elasticsearch_sink_config>(ok.config->sinks[0].settings);
  EXPECT_EQ(es_cfg.index, "scaleft-audit-%{+yyyy.MM.dd}");
  EXPECT_EQ(es_cfg.retention, std::chrono::hours(24 * 90));

  auto bad = load("scaleft-audit-%{+yyyy.MM.dd");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].key_path, "sinks[0].index");
  EXPECT_NE(bad.errors[0].message.find("closing"), std::string::npos);
  // Literal text must still make a valid index name once the date is filled in.
  auto upper = load("Audit-%{+yyyy}");
  ASSERT_EQ(upper.errors.size(), 1u);
  EXPECT_NE(upper.errors[0].message.find("lowercase"), std::string::npos);
  // A lifecycle on one fixed index would delete all of it.
  auto fixed = load("scaleft-audit", "    retention: 90d\n");
  ASSERT_EQ(fixed.errors.size(), 1u);
  EXPECT_EQ(fixed.errors[0].key_path, "sinks[0].retention");
}

TEST(document_extras, data_stream_fields_come_from_the_stream_name) {
  EXPECT_EQ(es::data_stream_tail("logs-scaleft.audit-default"),
            R"(,"data_stream":{"type":"logs","dataset":"scaleft.audit","namespace":"default"}})");
  EXPECT_EQ(es::data_stream_tail("logs-a-b-c"), R"(,"data_stream":{"type":"logs","dataset":"a-b","namespace":"c"}})");
}

TEST(document_extras, are_spliced_without_reparsing_and_stay_valid_json) {
  es::document_extras x;
  x.ingested = es::ingested_field("2026-01-01T00:00:00.000Z");
  x.tail = es::data_stream_tail("logs-scaleft.audit-default");
  const std::string doc =
      R"({"@timestamp":"t","message":"a \"}\" b","x":{"event":{"y":1}},"event":{"id":"1"},"scaleft":{}})";
  std::string out;
  es::append_document(out, doc, x);
  EXPECT_EQ(out, R"({"@timestamp":"t","message":"a \"}\" b","x":{"event":{"y":1}},)"
                 R"("event":{"ingested":"2026-01-01T00:00:00.000Z","id":"1"},"scaleft":{},)"
                 R"("data_stream":{"type":"logs","dataset":"scaleft.audit","namespace":"default"}})");
  EXPECT_EQ(out.size(), es::document_size(doc, x));
  simdjson::dom::parser p;
  simdjson::dom::element e;
  EXPECT_FALSE(p.parse(out).get(e));

  // No event object: one is added; an empty one gets no stray comma.
  for (const std::string& d : {std::string(R"({"a":[1,{"b":"}"}]})"), std::string(R"({"event":{}})")}) {
    std::string o;
    es::append_document(o, d, x);
    EXPECT_EQ(o.size(), es::document_size(d, x)) << o;
    simdjson::dom::parser q;
    simdjson::dom::element v;
    EXPECT_FALSE(q.parse(o).get(v)) << o;
    EXPECT_EQ(std::string_view(v["event"]["ingested"]), "2026-01-01T00:00:00.000Z") << o;
  }
  // The renderer's order (@timestamp, then event) takes the short path, with the same result.
  const std::string rendered = R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"id":"1"},"x":"\"event\":{"})";
  EXPECT_EQ(es::event_object_start(rendered), std::string_view(R"({"@timestamp":"2026-01-01T00:00:00Z","event":{)").size());
  std::string fast;
  es::append_document(fast, rendered, x);
  const std::string_view head = R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"ingested":"2026-01-01T00:00:00.000Z","id")";
  EXPECT_EQ(fast.substr(0, head.size()), head);
  EXPECT_EQ(fast.size(), es::document_size(rendered, x));
  // The renderer's order today (ecs and message before event): strings whose last characters are escaped
  // backslashes end at their quote; an escaped quote does not end them.
  for (const std::string& m : {std::string(R"(ends with a backslash \\)"), std::string(R"(a \\\" quote)"),
                               std::string(R"(\\\\)"), std::string("")}) {
    const std::string d = R"({"@timestamp":"t","ecs":{"version":"8.11.0"},"message":")" + m + R"(","event":{"id":"1"}})";
    EXPECT_EQ(es::event_object_start(d), d.find(R"("event":{)") + 9) << d;
  }
  EXPECT_EQ(es::event_object_start(R"({"message":"unterminated \"event\":{"})"), std::string_view::npos);
  // Nothing to add: the document as it is.
  std::string plain;
  es::append_document(plain, doc, {});
  EXPECT_EQ(plain, doc);
}
