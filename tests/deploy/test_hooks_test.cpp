// A build without the test hooks refuses the variables that ask for them, so no fault test passes untested.
#include "daemon/commands/test_hooks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

using sf::commands::unhonoured_test_hook;
using ::testing::HasSubstr;

namespace {
auto lookup(const std::map<std::string, std::string>& env) {
  return [env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}
}  // namespace

TEST(TestHooks, WithoutHooksEachVariableIsRefusedByName) {
  for (const char* name : {"SF_TEST_CRASH_AT", "SF_TEST_FAIL_WRITES"}) {
    auto refusal = unhonoured_test_hook(false, lookup({{name, "after_persist"}}));
    ASSERT_TRUE(refusal) << name;
    EXPECT_THAT(*refusal, HasSubstr(name));
    EXPECT_THAT(*refusal, HasSubstr("-DSF_TEST_HOOKS=ON"));
  }
}

TEST(TestHooks, UnsetOrEmptyVariablesAndHookBuildsRunNormally) {
  EXPECT_FALSE(unhonoured_test_hook(false, lookup({})));
  EXPECT_FALSE(unhonoured_test_hook(false, lookup({{"SF_TEST_CRASH_AT", ""}})));
  EXPECT_FALSE(unhonoured_test_hook(true, lookup({{"SF_TEST_CRASH_AT", "after_persist"}})));
}

TEST(TestHooks, ThisTestBuildHasTheHooks) {
  // scripts/test.sh configures with -DSF_TEST_HOOKS=ON; without it the fault tests would prove nothing.
  EXPECT_TRUE(sf::commands::test_hooks_compiled_in) << "built without SF_TEST_HOOKS: reconfigure with -DSF_TEST_HOOKS=ON";
}
