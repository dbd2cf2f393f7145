// Index settings as flat "index.*" keys (nested or dotted JSON both accepted), and the ones es-sim acts on.
#pragma once

#include "sim/elasticsearch/mapping.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sfsim::es {

using flat_settings = std::map<std::string, std::string, std::less<>>;

// Adds a "settings" object (raw JSON) to `into`, later values winning. Keys get the "index." prefix as
// Elasticsearch normalises them; values are kept as their text ("1000", "true", "logs").
// Returns an error reason if the JSON is not an object.
std::optional<std::string> merge_settings(std::string_view json, flat_settings& into);

mapping_limits limits_from(const flat_settings& s);
std::string setting_or(const flat_settings& s, std::string_view key, std::string_view fallback = {});

// {"index":{"a":{"b":"v"}}} as Elasticsearch renders GET _settings (flat keys nested again, values strings).
std::string render_settings(const flat_settings& s);

}  // namespace sfsim::es
