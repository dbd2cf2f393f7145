// Index settings as flat "index.*" keys (nested or dotted JSON both accepted), and the ones es-sim acts on.
#include "sim/elasticsearch/index_settings.hpp"
#include "sim/elasticsearch/dom_util.hpp"

#include "sim/elasticsearch/json_text.hpp"

#include <simdjson.h>

#include <charconv>

namespace sfsim::es {

namespace {

void flatten(simdjson::dom::element v, const std::string& prefix, flat_settings& into) {
  using et = simdjson::dom::element_type;
  switch (v.type()) {
    case et::OBJECT:
      for (const auto f : as_object(v))
        flatten(f.value, prefix.empty() ? std::string(f.key) : prefix + "." + std::string(f.key), into);
      return;
    case et::STRING:
      into.insert_or_assign(prefix, std::string(v.get_string().value_unsafe()));
      return;
    case et::NULL_VALUE:
      into.erase(prefix);
      return;
    default: {
      std::string text = simdjson::minify(v);
      if (v.is_array()) {  // lists are kept as Elasticsearch renders them: ["a","b"]
        into.insert_or_assign(prefix, std::move(text));
        return;
      }
      into.insert_or_assign(prefix, std::move(text));
    }
  }
}

}  // namespace

std::optional<std::string> merge_settings(std::string_view json, flat_settings& into) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) || !root.is_object())
    return "settings must be a JSON object";
  flat_settings flat;
  flatten(root, "", flat);
  for (auto& [k, v] : flat) {
    const std::string key = k.starts_with("index.") ? k : "index." + k;
    into.insert_or_assign(key, std::move(v));
  }
  return std::nullopt;
}

std::string setting_or(const flat_settings& s, std::string_view key, std::string_view fallback) {
  auto it = s.find(key);
  return it == s.end() ? std::string(fallback) : it->second;
}

mapping_limits limits_from(const flat_settings& s) {
  mapping_limits l;
  const std::string limit = setting_or(s, "index.mapping.total_fields.limit");
  if (!limit.empty()) {
    std::int64_t n = 0;
    const auto [p, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
    if (ec == std::errc{} && p == limit.data() + limit.size()) l.total_fields_limit = n;
  }
  l.ignore_dynamic_beyond_limit = setting_or(s, "index.mapping.total_fields.ignore_dynamic_beyond_limit") == "true";
  l.ignore_malformed = setting_or(s, "index.mapping.ignore_malformed") == "true";
  return l;
}

std::string render_settings(const flat_settings& s) {
  // Nest the dotted keys again; the map is sorted, so siblings are adjacent.
  std::string out = "{";
  std::vector<std::string> open;  // the object path currently open
  bool first = true;
  for (const auto& [key, value] : s) {
    std::vector<std::string> parts;
    for (std::string_view rest = key; !rest.empty();) {
      const auto dot = rest.find('.');
      parts.emplace_back(rest.substr(0, dot));
      rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    }
    std::size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common]) ++common;
    while (open.size() > common) {
      out += '}';
      open.pop_back();
      first = false;
    }
    for (std::size_t i = common; i + 1 < parts.size(); ++i) {
      if (!first) out += ',';
      append_json_string(out, parts[i]);
      out += ":{";
      open.push_back(parts[i]);
      first = true;
    }
    if (!first) out += ',';
    first = false;
    append_json_string(out, parts.back());
    out += ':';
    if (value.starts_with('[')) out += value;
    else append_json_string(out, value);
  }
  while (!open.empty()) {
    out += '}';
    open.pop_back();
  }
  return out + "}";
}

}  // namespace sfsim::es
