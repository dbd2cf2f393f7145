// The configuration as one table of keys: every key of the file, declared once (see keys.cpp).
#pragma once

#include "config/schema.hpp"

namespace sf::config::schema {

// The whole file: the top-level section, whose keys include the other sections and the list of sinks.
// The loader, check-config's rendering and the README's reference table all walk it.
const section_spec& forwarder_schema();

}  // namespace sf::config::schema
