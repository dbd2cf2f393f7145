// Test-only crash points: SIGKILL at a named step of the key rotation, to prove it is crash safe.
#include "daemon/keys/crash_point.hpp"

#include "common/log/logger.hpp"

#include <csignal>
#include <cstdlib>

namespace sf::keys {

void crash_point(std::string_view step) {
#ifdef SF_TEST_HOOKS
  const char* wanted = std::getenv("SF_TEST_CRASH_AT");
  if (wanted == nullptr || step != wanted) return;
  log::warn("SF_TEST_CRASH_AT: killing the process", {{"step", step}});
  std::raise(SIGKILL);
#else
  (void)step;
#endif
}

}  // namespace sf::keys
