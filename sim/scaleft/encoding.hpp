// Text encodings the simulator needs: base64, percent-escaping, query strings, JSON string escaping.
#pragma once

#include "common/json/json_escape.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfsim::scaleft {

std::string base64(std::span<const std::uint8_t> bytes);
std::string base64url_nopad(std::string_view bytes);

// Escapes everything but RFC 3986 unreserved characters, so ids with + / = survive a query string.
std::string percent_escape(std::string_view text);

// Decodes %XX; in query mode '+' becomes a space, as Go's net/url does on the real service (a client that
// forgets to escape a base64 id therefore gets 400, as it would there). nullopt on a broken escape.
std::optional<std::string> percent_decode(std::string_view text, bool query_mode);

using query_params = std::vector<std::pair<std::string, std::string>>;
// Splits a request target into its path and decoded query parameters; nullopt on a broken escape.
struct split_target {
  std::string path;
  query_params query;
};
std::optional<split_target> parse_target(std::string_view target);
std::optional<std::string> find_param(const query_params& q, std::string_view name);

// JSON string literal, quotes included (shared with es-sim).
using sf::json::append_json_string;
std::string json_string(std::string_view text);

}  // namespace sfsim::scaleft
