// Whether this build has the test-only fault hooks, and refusing a test's request for hooks it lacks.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace sf::commands {

#ifdef SF_TEST_HOOKS
inline constexpr bool test_hooks_compiled_in = true;
#else
inline constexpr bool test_hooks_compiled_in = false;
#endif

// The environment variables that switch a fault hook on (daemon/keys/crash_point.hpp,
// common/files/atomic_file.hpp).
inline constexpr const char* test_hook_variables[] = {"SF_TEST_CRASH_AT", "SF_TEST_FAIL_WRITES"};

// A build without the hooks would silently ignore these variables, so a test asking for a crash or a failed
// write would pass without testing anything. Returns the error to print when one is set (non-empty) but the
// build cannot honour it, nullopt otherwise.
std::optional<std::string> unhonoured_test_hook(bool compiled_in,
                                                const std::function<const char*(const char*)>& getenv);

}  // namespace sf::commands
