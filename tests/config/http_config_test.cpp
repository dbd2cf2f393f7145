// Tests of the http section (health and metrics endpoint): defaults, values, off switch, errors, rendering.
#include "config/config_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sf::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string file_with(const std::string& tail) {
  return "source:\n  team: acme\n  key_id: kid-1\n  key_secret: inline-secret\n  poll_interval: 30s\n"
         "sinks:\n  - name: archive\n    type: file\n    path: /tmp/audit.ndjson\n" +
         tail;
}

load_result load(const std::string& yaml) {
  return load_config_text(yaml, "test.yaml", [](const std::string& name) -> std::optional<std::string> {
    if (name == "METRICS_PORT") return "9999";
    return std::nullopt;
  });
}

std::string all_errors(const load_result& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

TEST(HttpConfig, LoopbackDefaultAndFiveMinuteWindow) {
  auto r = load(file_with(""));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->http.listen, "127.0.0.1:8464");
  EXPECT_EQ(r.config->http.ready_window, 5min);
}

TEST(HttpConfig, ValuesAreReadWithEnvironmentExpansion) {
  auto r = load(file_with("http:\n  listen: \"0.0.0.0:${METRICS_PORT}\"\n  ready_window: 90s\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->http.listen, "0.0.0.0:9999");
  EXPECT_EQ(r.config->http.ready_window, 90s);
  for (const char* ok : {"[::1]:9464", "localhost:0", "10.1.2.3:65535"}) {
    auto ok_r = load(file_with(std::string("http:\n  listen: \"") + ok + "\"\n"));
    EXPECT_TRUE(ok_r.config) << ok << ": " << all_errors(ok_r);
  }
}

TEST(HttpConfig, EmptyListenTurnsTheEndpointOff) {
  auto r = load(file_with("http:\n  listen: \"\"\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->http.listen, "");
}

TEST(HttpConfig, BadAddressesAreReportedWithTheirLine) {
  for (const char* bad :
       {"9464", "127.0.0.1:99999", "127.0.0.1:", "metrics.example.com:9464", "::1:9464", "127.0.0.1:94x"}) {
    auto r = load(file_with(std::string("http:\n  listen: \"") + bad + "\"\n"));
    ASSERT_FALSE(r.config) << bad;
    EXPECT_THAT(all_errors(r), HasSubstr("test.yaml:11: http.listen: '" + std::string(bad) + "'")) << bad;
  }
}

TEST(HttpConfig, WindowMustBeLongerThanThePollInterval) {
  auto r = load(file_with("http:\n  ready_window: 30s\n"));
  ASSERT_FALSE(r.config);
  EXPECT_THAT(all_errors(r), HasSubstr("http.ready_window: must be longer than source.poll_interval (30s)"));
  auto tiny = load(file_with("http:\n  ready_window: 10ms\n"));
  ASSERT_FALSE(tiny.config);
  EXPECT_THAT(all_errors(tiny), HasSubstr("http.ready_window: must be between 1s and 1d"));
}

TEST(HttpConfig, UnknownKeysAreRejected) {
  auto r = load(file_with("http:\n  port: 9464\n"));
  ASSERT_FALSE(r.config);
  EXPECT_THAT(all_errors(r), HasSubstr("http.port"));
}

TEST(HttpConfig, RenderedConfigLoadsBackTheSameValues) {
  auto r = load(file_with("http:\n  listen: \"[::1]:8080\"\n  ready_window: 2m\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto text = render_effective_config(*r.config);
  EXPECT_THAT(text, HasSubstr("http:\n  listen: \"[::1]:8080\"\n  ready_window: 2m"));
  // check-config's output is itself a valid configuration with the same values.
  auto again = load(text);
  ASSERT_TRUE(again.config) << all_errors(again) << text;
  EXPECT_EQ(again.config->http.listen, "[::1]:8080");
  EXPECT_EQ(again.config->http.ready_window, 2min);
}

}  // namespace
}  // namespace sf::config
