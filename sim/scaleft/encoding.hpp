// Text encodings the simulator needs: base64, query strings, JSON string escaping (percent-encoding is
// common/text's).
#pragma once

#include "common/json/json_escape.hpp"
#include "common/text/percent_encoding.hpp"

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
