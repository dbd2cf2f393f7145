// Test-only crash points: SIGKILL at a named step of the key rotation, to prove it is crash safe.
#pragma once

#include <string_view>

namespace sf::keys {

// The steps, in order: before_create, after_create, after_persist, after_verify, after_switch,
// after_on_rotate (the on_rotate program succeeded, not yet recorded), after_delete_previous. With
// SF_TEST_CRASH_AT=<step> in the environment, the process kills itself with SIGKILL on reaching that step (no cleanup, no flush, like `kill -9`). Compiled only when SF_TEST_HOOKS
// is defined; production builds (-DSF_TEST_HOOKS=OFF) ignore the variable.
void crash_point(std::string_view step);

}  // namespace sf::keys
