// Tests of the key_rotation section: defaults, values, the service_user rule, errors and rendering; on_rotate
// (a program that can be run, a bounded timeout) and restore_from.
#include "config/config_loader.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

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

std::string with_rotation(const std::string& lines) {
  return file_with("  service_user: log-forwarder\n", "key_rotation:\n  enabled: true\n" + lines);
}

// on_rotate looks programs up on the PATH the loader's environment gives.
load_result load_with_env(const std::string& yaml,
                          std::map<std::string, std::string> vars = {{"PATH", "/usr/bin:/bin"}}) {
  return load_config_text(yaml, "test.yaml", [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

std::string first_error(const load_result& r) {
  return r.errors.empty() ? std::string() : r.errors.front().to_string();
}

TEST(OnRotateConfig, DefaultsToNoProgramAndOneMinute) {
  auto r = load_with_env(with_rotation(""));
  ASSERT_TRUE(r.config) << first_error(r);
  EXPECT_TRUE(r.config->key_rotation.on_rotate.empty());
  EXPECT_EQ(r.config->key_rotation.on_rotate_timeout, 60s);
  EXPECT_EQ(r.config->key_rotation.restore_from, "");
}

TEST(OnRotateConfig, AnAbsoluteProgramOrANameOnPathWithArguments) {
  auto r = load_with_env(with_rotation("  on_rotate: [/bin/sh, -c, \"${SCRIPT}\"]\n  on_rotate_timeout: 2m\n"
                              "  restore_from: /etc/scaleft-forwarder/rotated-key\n"),
                {{"PATH", "/usr/bin:/bin"}, {"SCRIPT", "cat > /dev/null"}});
  ASSERT_TRUE(r.config) << first_error(r);
  EXPECT_EQ(r.config->key_rotation.on_rotate, (std::vector<std::string>{"/bin/sh", "-c", "cat > /dev/null"}));
  EXPECT_EQ(r.config->key_rotation.on_rotate_timeout, 2min);
  EXPECT_EQ(r.config->key_rotation.restore_from, "/etc/scaleft-forwarder/rotated-key");
  auto named = load_with_env(with_rotation("  on_rotate:\n    - sh\n    - -c\n    - exit 0\n"));
  ASSERT_TRUE(named.config) << first_error(named);
  EXPECT_EQ(named.config->key_rotation.on_rotate.front(), "sh");
  const auto rendered = render_effective_config(*r.config);
  EXPECT_NE(rendered.find("on_rotate: [/bin/sh, -c, cat > /dev/null]"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("on_rotate_timeout: 2m"), std::string::npos) << rendered;
}

TEST(OnRotateConfig, ProgramsThatCannotRunAreRefusedNamingTheKey) {
  // A plain file: present, not executable.
  const sf::test::temp_dir dir("sf-on-rotate");
  const std::string plain = dir.write("plain", "");
  const std::map<std::string, std::string> cases = {
      {"  on_rotate: [/no/such/hook]\n",
       "key_rotation.on_rotate[0]: '/no/such/hook' cannot be run: No such file"},
      {"  on_rotate: [" + plain + "]\n", "key_rotation.on_rotate[0]: '" + plain + "' is not an executable file"},
      {"  on_rotate: [hooks/store.sh]\n", "key_rotation.on_rotate[0]: 'hooks/store.sh' is a relative path"},
      {"  on_rotate: [no-such-hook-program]\n",
       "key_rotation.on_rotate[0]: 'no-such-hook-program' is not found on PATH (/usr/bin:/bin)"},
      {"  on_rotate: []\n", "key_rotation.on_rotate: must name a program"},
      {"  on_rotate: /bin/true\n",
       "key_rotation.on_rotate: expected a list [program, arguments...], got a single value"},
      {"  on_rotate: [/bin/sh, [x]]\n", "key_rotation.on_rotate[1]: expected a string"},
      {"  on_rotate_timeout: 0s\n", "key_rotation.on_rotate_timeout: must be between 1s and 1h"},
      {"  restore_from: rotated-key\n", "key_rotation.restore_from: must be an absolute path"},
      {"  on_rotat: [/bin/true]\n", "did you mean 'on_rotate'?"},
  };
  for (const auto& [lines, expected] : cases) {
    auto r = load_with_env(with_rotation(lines));
    EXPECT_FALSE(r.config) << lines;
    ASSERT_EQ(r.errors.size(), 1u) << lines;
    EXPECT_NE(first_error(r).find(expected), std::string::npos) << first_error(r);
  }
}

}  // namespace
}  // namespace sf::config
