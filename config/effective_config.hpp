// check-config's effective configuration: every key of the table with its value, secrets redacted.
#pragma once

#include <string>

#include "config/config.hpp"

namespace sf::config {

// YAML of every effective value, defaults included, in the same schema the loader reads; every secret
// that is set is shown as "<redacted>", and no `*_file` key is shown.
std::string render_effective_config(const forwarder_config& config);

}  // namespace sf::config
