// Refusing to run when a test asks for a fault hook this build was compiled without.
#include "daemon/commands/test_hooks.hpp"

namespace sf::commands {

std::optional<std::string> unhonoured_test_hook(bool compiled_in,
                                                const std::function<const char*(const char*)>& getenv) {
  if (compiled_in) return std::nullopt;
  for (const char* name : test_hook_variables) {
    const char* value = getenv(name);
    if (value == nullptr || *value == '\0') continue;
    return std::string(name) +
           " is set, but this scaleft-forwarder was built without the test hooks; reconfigure with "
           "-DSF_TEST_HOOKS=ON (scripts/test.sh does) or unset it";
  }
  return std::nullopt;
}

}  // namespace sf::commands
