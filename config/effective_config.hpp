// check-config's effective configuration: every key of the table with its value, secrets redacted.
#pragma once

#include <string>

#include "config/config.hpp"
#include "config/schema.hpp"

namespace sf::config {

// YAML of every effective value, defaults included, in the same schema the loader reads; every secret
// that is set is shown as "<redacted>", and no `*_file` key is shown.
std::string render_effective_config(const forwarder_config& config);

namespace schema {
// A scalar value as the file would spell it ("30s", "10MiB", "zstd", "oldest"); "" for a list, and never
// a secret's value ("<redacted>" when set, "" when not).
std::string value_text(const key_spec& key, const value& v);
}  // namespace schema

}  // namespace sf::config
