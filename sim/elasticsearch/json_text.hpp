// Small helpers to write compact JSON text by hand (fast, and byte-for-byte what Elasticsearch sends).
#pragma once

#include "common/json/json_escape.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sfsim::es {

// Appends `s` as a JSON string literal, quotes included (shared with scaleft-sim).
using sf::json::append_json_string;
std::string json_string(std::string_view s);

// Base64 (standard alphabet, padded) both ways; decode returns false on malformed input.
std::string base64_encode(std::string_view in);
bool base64_decode(std::string_view in, std::string& out);

// Case-insensitive ASCII comparison, for header values such as schemes and media types.
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);

// The answer of a template GET: {"<list_key>":[{"name":...,"<item_key>":<stored body>},...]}, for any stored
// object with `name` and `body` (index and component templates).
template <class Stored>
std::string named_list_json(std::string_view list_key, std::string_view item_key,
                            const std::vector<const Stored*>& found) {
  std::string body = "{\"" + std::string(list_key) + "\":[";
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i) body += ',';
    body += "{\"name\":" + json_string(found[i]->name) + ",\"" + std::string(item_key) + "\":" + found[i]->body + "}";
  }
  body += "]}";
  return body;
}

}  // namespace sfsim::es
