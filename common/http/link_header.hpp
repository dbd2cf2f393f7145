// RFC 8288 (5988) Link header parsing: find the target of a given relation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sf::http {

// Returns the URI reference of the first link whose rel list contains `rel` (case-insensitive), from one
// Link header value that may hold several comma-separated links. Malformed links are skipped, not fatal.
std::optional<std::string> find_link(std::string_view header_value, std::string_view rel);

}  // namespace sf::http
