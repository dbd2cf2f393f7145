// Tests of the key_rotation section: defaults, values, the service_user rule, errors and rendering.
#include "config/config_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sf::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string file_with(const std::string& source_extra, const std::string& tail) {
  return "source:\n  team: acme\n  key_id: kid-1\n  key_secret: inline-secret\n" + source_extra +
         "sinks:\n  - name: archive\n    type: file\n    path: /tmp/audit.ndjson\n" + tail;
}

load_result load(const std::string& yaml) {
  return load_config_text(yaml, "test.yaml", [](const std::string&) { return std::nullopt; });
}

std::string all_errors(const load_result& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

TEST(KeyRotationConfig, OffByDefaultWithSevenDaysAndAfterVerify) {
  auto r = load(file_with("", ""));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_FALSE(r.config->key_rotation.enabled);
  EXPECT_EQ(r.config->key_rotation.max_age, std::chrono::hours(7 * 24));
  EXPECT_EQ(r.config->key_rotation.expire_previous, key_rotation_config::expire_mode::after_verify);
}

TEST(KeyRotationConfig, ValuesAreRead) {
  auto r = load(file_with("  service_user: log-forwarder\n",
                          "key_rotation: {enabled: true, max_age: 36h, expire_previous: never}\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_TRUE(r.config->key_rotation.enabled);
  EXPECT_EQ(r.config->key_rotation.max_age, 36h);
  EXPECT_EQ(r.config->key_rotation.expire_previous, key_rotation_config::expire_mode::never);
}

TEST(KeyRotationConfig, ServiceUserIsRequiredWhenEnabled) {
  auto r = load(file_with("", "key_rotation:\n  enabled: true\n"));
  ASSERT_FALSE(r.config);
  EXPECT_THAT(all_errors(r), HasSubstr("source.service_user: required when key_rotation.enabled is true"));
  // Disabled rotation does not need it.
  EXPECT_TRUE(load(file_with("", "key_rotation:\n  enabled: false\n")).config);
}

TEST(KeyRotationConfig, BadValuesAreReportedWithTheirPath) {
  auto r = load(
      file_with("  service_user: u\n",
                "key_rotation:\n  enabled: yes\n  max_age: 10m\n  expire_previous: later\n  maxage: 1d\n"));
  ASSERT_FALSE(r.config);
  const auto text = all_errors(r);
  EXPECT_THAT(text, HasSubstr("key_rotation.enabled: expected true or false, got 'yes'"));
  EXPECT_THAT(text, HasSubstr("key_rotation.max_age: must be between 1h and 90d"));
  EXPECT_THAT(text,
              HasSubstr("key_rotation.expire_previous: must be one of after_verify, never, got 'later'"));
  EXPECT_THAT(text, HasSubstr("key_rotation.maxage: unknown key in key_rotation (did you mean 'max_age'?)"));
}

TEST(KeyRotationConfig, RenderedInTheEffectiveConfig) {
  auto r = load(file_with("  service_user: log-forwarder\n",
                          "key_rotation: {enabled: true, max_age: 2d, expire_previous: never}\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto text = render_effective_config(*r.config);
  EXPECT_THAT(text, HasSubstr("key_rotation:\n  enabled: true\n  max_age: 2d\n  expire_previous: never\n"));
}

}  // namespace
}  // namespace sf::config
