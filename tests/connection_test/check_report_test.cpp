// test-connection's report: aligned lines with hints and a summary, the JSON document, skipped steps.
#include "daemon/connection_test/check_report.hpp"
#include "daemon/connection_test/free_space.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

namespace sf::connection_test {
namespace {

std::vector<target_report> sample() {
  target_report src{"source", "scaleft", "https://app.scaleft.com", {}};
  src.checks.push_back({"dns", check_status::ok, "10.0.0.1:443", ""});
  src.checks.push_back({"proxy", check_status::skipped, "not configured", ""});
  target_report es{"elk", "elasticsearch", "https://es:9200", {}};
  es.checks.push_back({"tls", check_status::failed, "handshake failed", "set sinks[elk].ca_file"});
  es.checks.push_back({"privileges", check_status::skipped, "not reached", ""});
  return {src, es};
}

TEST(CheckReport, TextLinesAreAlignedAndCarryTheHint) {
  EXPECT_EQ(render_text(sample()),
            "source  dns         ok       10.0.0.1:443\n"
            "source  proxy       skipped  not configured\n"
            "elk     tls         failed   handshake failed; hint: set sinks[elk].ca_file\n"
            "elk     privileges  skipped  not reached\n"
            "1 of 4 checks failed: elk tls\n");
}

TEST(CheckReport, SkippedStepsDoNotFailATarget) {
  auto targets = sample();
  EXPECT_TRUE(targets[0].passed());
  EXPECT_FALSE(targets[1].passed());
  EXPECT_FALSE(all_passed(targets));
  targets.pop_back();
  EXPECT_TRUE(all_passed(targets));
  EXPECT_EQ(render_text(targets).substr(render_text(targets).rfind('\n', render_text(targets).size() - 2) + 1),
            "all 2 checks passed\n");
}

TEST(CheckReport, JsonHasOneObjectPerTargetWithItsSteps) {
  auto targets = sample();
  targets[0].checks[0].detail = "a \"quoted\"\nline";
  const std::string text = render_json(targets);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  EXPECT_EQ(doc["ok"].get_bool().value(), false);
  auto list = doc["targets"].get_array().value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(std::string_view(list.at(0)["name"].get_string().value()), "source");
  EXPECT_EQ(list.at(0)["ok"].get_bool().value(), true);
  EXPECT_EQ(std::string_view(list.at(0)["steps"].at(0)["detail"].get_string().value()), "a \"quoted\"\nline");
  EXPECT_EQ(std::string_view(list.at(1)["kind"].get_string().value()), "elasticsearch");
  EXPECT_EQ(std::string_view(list.at(1)["steps"].at(0)["status"].get_string().value()), "failed");
  EXPECT_EQ(std::string_view(list.at(1)["steps"].at(0)["hint"].get_string().value()), "set sinks[elk].ca_file");
}

TEST(CheckReport, SkipRestAddsOnlyTheStepsNotYetThere) {
  target_report t{"source", "scaleft", "", {{"dns", check_status::failed, "x", "y"}}};
  skip_rest(t, {"dns", "tcp", "tls"}, "not reached");
  ASSERT_EQ(t.checks.size(), 3u);
  EXPECT_EQ(t.checks[0].status, check_status::failed);
  EXPECT_EQ(t.checks[1].step, "tcp");
  EXPECT_EQ(t.checks[2].status, check_status::skipped);
  EXPECT_EQ(t.checks[2].detail, "not reached");
}

TEST(FreeSpace, ApproximateSizesInBinaryUnits) {
  EXPECT_EQ(approximate_size(17), "17 B");
  EXPECT_EQ(approximate_size(1536), "1.5 KiB");
  EXPECT_EQ(approximate_size(512ull << 20), "512 MiB");
  EXPECT_EQ(approximate_size(13206798336ull), "12.3 GiB");
  EXPECT_EQ(approximate_size(0), "0 B");
}

}  // namespace
}  // namespace sf::connection_test
