// A key's value as the configuration file spells it: what check-config shows and the README's defaults.
#pragma once

#include <string>

#include "config/schema.hpp"

namespace sf::config::schema {

// A scalar value as the file would spell it ("30s", "10MiB", "zstd", "oldest"); "" for a list, and never
// a secret's value ("<redacted>" when set, "" when not).
std::string value_text(const key_spec& key, const value& v);

}  // namespace sf::config::schema
