// Regression tests for false configuration errors: the full error output of files with one real mistake.
#include "config/config_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sf::config {
namespace {

load_result load(const std::string& yaml) {
  return load_config_text(yaml, "test.yaml", [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  });
}

std::string all_errors(const load_result& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

// A valid source section (lines 1-4, then `source_extra`) and one file sink.
std::string source_and_sinks_with(const std::string& source_extra) {
  return "source:\n  team: acme\n  key_id: kid-1\n  key_secret: inline-secret\n" + source_extra +
         "sinks:\n  - name: archive\n    type: file\n    path: /tmp/audit.ndjson\n";
}
const std::string source_and_sinks = source_and_sinks_with("");

// The issue's case: the unknown key is reported once; state_dir and sinks after it are not blamed.
TEST(ConfigErrorRegression, UnknownTopLevelKeyDoesNotShiftTheValuesOfLaterKeys) {
  auto r = load(std::string("statedir: ./state\nstate_dir: ./state\n") + source_and_sinks);
  EXPECT_FALSE(r.config);
  EXPECT_EQ(all_errors(r), "test.yaml:1: statedir: unknown key in the top level (did you mean 'state_dir'?)\n");
}

// With the typo fixed, the same values load: state_dir is the string given, not a list.
TEST(ConfigErrorRegression, TheSameFileWithoutTheTypoLoads) {
  auto r = load(std::string("state_dir: ./state\n") + source_and_sinks);
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->state_dir, "./state");
  ASSERT_EQ(r.config->sinks.size(), 1u);
}

// Two unknown keys between valid ones of different types (string, map, list).
TEST(ConfigErrorRegression, SeveralUnknownKeysBetweenValidOnes) {
  auto r = load(std::string("statedir: ./a\nstate_dir: ./state\nbufer:\n  max_events: 5000\n") + source_and_sinks +
                "shutdown_grace: 5s\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(all_errors(r),
            "test.yaml:1: statedir: unknown key in the top level (did you mean 'state_dir'?)\n"
            "test.yaml:3: bufer: unknown key in the top level (did you mean 'buffer'?)\n");
}

// The same walker serves nested maps: a typo in source does not make later source keys wrong.
TEST(ConfigErrorRegression, UnknownKeyInsideASectionLeavesLaterKeysAlone) {
  auto r = load(source_and_sinks_with("  pagesize: 10\n  page_size: 500\n  poll_interval: 1m\n"));
  EXPECT_FALSE(r.config);
  EXPECT_EQ(all_errors(r), "test.yaml:5: source.pagesize: unknown key in source (did you mean 'page_size'?)\n");
}

TEST(ConfigErrorRegression, UnknownKeyInASinkLeavesLaterSinkKeysAlone) {
  auto r = load(R"(source:
  team: acme
  key_id: kid-1
  key_secret: inline-secret
sinks:
  - nme: x
    name: archive
    type: file
    path: /tmp/audit.ndjson
)");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(all_errors(r), "test.yaml:6: sinks[0].nme: unknown key in a file sink (did you mean 'name'?)\n");
}

// ready_window is checked against the effective poll interval: here the default 5m window and a 10m poll.
TEST(ConfigErrorRegression, PollIntervalAboveTheDefaultReadyWindowIsAnError) {
  auto r = load(source_and_sinks_with("  poll_interval: 10m\n"));
  EXPECT_FALSE(r.config);
  EXPECT_EQ(all_errors(r),
            "test.yaml:5: source.poll_interval: must be shorter than http.ready_window (5m, the default): raise "
            "http.ready_window too\n");
}

// A window written without a poll interval is checked against the default 30s.
TEST(ConfigErrorRegression, ReadyWindowBelowTheDefaultPollIntervalIsAnError) {
  auto r = load(std::string(source_and_sinks) + "http:\n  ready_window: 20s\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(all_errors(r),
            "test.yaml:10: http.ready_window: must be longer than source.poll_interval (30s, the default)\n");
}

TEST(ConfigErrorRegression, ALongPollWithALongerWindowLoads) {
  auto r = load(source_and_sinks_with("  poll_interval: 10m\n") + "http:\n  ready_window: 15m\n");
  ASSERT_TRUE(r.config) << all_errors(r);
}

// An invalid value is reported once, not again as a window/interval mismatch.
TEST(ConfigErrorRegression, AnInvalidPollIntervalIsReportedOnce) {
  auto r = load(source_and_sinks_with("  poll_interval: 2d\n"));
  EXPECT_FALSE(r.config);
  EXPECT_EQ(all_errors(r), "test.yaml:5: source.poll_interval: must be between 10ms and 1d, got 2d\n");
}

}  // namespace
}  // namespace sf::config
