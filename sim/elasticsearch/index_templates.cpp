// Composable index templates: PUT/GET storage, the same-priority overlap rule, and which names are data
// streams.
#include "sim/elasticsearch/index_templates.hpp"

#include "sim/elasticsearch/glob.hpp"
#include "sim/elasticsearch/json_text.hpp"

#include <simdjson.h>

#include <array>

namespace sfsim::es {

namespace {

constexpr std::array<std::string_view, 10> known_fields{
    "index_patterns", "template",          "composed_of",
    "priority",       "version",           "_meta",
    "data_stream",    "allow_auto_create", "ignore_missing_component_templates",
    "deprecated"};

std::string list_text(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

rest_error parse_error(std::string reason) {
  return {400, "x_content_parse_exception", std::move(reason), {}};
}

}  // namespace

index_templates::index_templates(const std::vector<std::string>& data_stream_patterns) {
  if (data_stream_patterns.empty()) return;
  index_template t;
  t.name = "logs";
  t.patterns = data_stream_patterns;
  t.priority = 100;
  t.data_stream = true;
  std::string patterns;
  for (const auto& p : data_stream_patterns) patterns += (patterns.empty() ? "" : ",") + json_string(p);
  t.body =
      "{\"index_patterns\":[" + patterns +
      "],\"composed_of\":[\"logs@mappings\",\"logs@settings\"],\"priority\":100,\"_meta\":{\"description\":"
      "\"default logs template installed by x-pack\",\"managed\":true},\"data_stream\":{\"hidden\":false,"
      "\"allow_custom_routing\":false},\"allow_auto_create\":true}";
  templates_.emplace(t.name, std::move(t));
}

std::optional<rest_error> index_templates::put(std::string_view name, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (body.empty()) return rest_error{400, "parse_exception", "request body is required", {}};
  if (auto ec = parser.parse(body.data(), body.size()).get(root))
    return parse_error("[1:1] Failed to parse: " + std::string(simdjson::error_message(ec)));
  if (root.type() != simdjson::dom::element_type::OBJECT)
    return parse_error("[1:1] [index_template] Expected START_OBJECT");
  index_template t;
  t.name = std::string(name);
  bool has_patterns = false;
  const simdjson::dom::object fields = root.get_object().value_unsafe();
  for (const auto f : fields) {
    bool known = false;
    for (const auto k : known_fields) known = known || f.key == k;
    if (!known) return parse_error("[1:2] [index_template] unknown field [" + std::string(f.key) + "]");
    if (f.key == "index_patterns") {
      has_patterns = true;
      if (f.value.is_string()) {
        t.patterns.emplace_back(f.value.get_string().value_unsafe());
      } else if (f.value.is_array()) {
        const simdjson::dom::array p_arrays = f.value.get_array().value_unsafe();
        for (const auto p : p_arrays) {
          if (!p.is_string())
            return parse_error("[1:2] [index_template] failed to parse field [index_patterns]");
          t.patterns.emplace_back(p.get_string().value_unsafe());
        }
      } else {
        return parse_error("[1:2] [index_template] failed to parse field [index_patterns]");
      }
    } else if (f.key == "priority") {
      std::int64_t p = 0;
      if (f.value.get_int64().get(p) || p < 0)
        return rest_error{400,
                          "action_request_validation_exception",
                          "Validation Failed: 1: index template priority must be >= 0;",
                          {}};
      t.priority = p;
    } else if (f.key == "data_stream") {
      if (!f.value.is_object())
        return parse_error("[1:2] [index_template] failed to parse field [data_stream]");
      t.data_stream = true;
    }
  }
  if (!has_patterns || t.patterns.empty())
    return rest_error{
        400, "action_request_validation_exception", "Validation Failed: 1: index patterns are missing;", {}};
  // Two templates that could both match one new index at the same priority are ambiguous: rejected.
  std::string clashing_names, clashing_patterns;
  for (const auto& [other_name, other] : templates_) {
    if (other_name == name || other.priority != t.priority) continue;
    bool overlap = false;
    for (const auto& a : t.patterns)
      for (const auto& b : other.patterns) overlap = overlap || glob_overlap(a, b);
    if (!overlap) continue;
    clashing_names += (clashing_names.empty() ? "" : ",") + other_name;
    clashing_patterns +=
        (clashing_patterns.empty() ? "" : ", ") + other_name + " => " + list_text(other.patterns);
  }
  if (!clashing_names.empty()) {
    return rest_error{400,
                      "illegal_argument_exception",
                      "index template [" + t.name + "] has index patterns " + list_text(t.patterns) +
                          " matching patterns from existing templates [" + clashing_names +
                          "] with patterns (" + clashing_patterns + ") that have the same priority [" +
                          std::to_string(t.priority) +
                          "], multiple index templates may not match during index creation, please use a "
                          "different priority",
                      {}};
  }
  t.body = simdjson::minify(root);
  templates_.insert_or_assign(t.name, std::move(t));
  return std::nullopt;
}

std::vector<const index_template*> index_templates::find(std::string_view name_pattern) const {
  std::vector<const index_template*> out;
  for (const auto& [name, t] : templates_)
    if (glob_match(name_pattern, name)) out.push_back(&t);
  return out;
}

const index_template* index_templates::match(std::string_view name) const {
  const index_template* best = nullptr;
  for (const auto& [n, t] : templates_) {
    bool hit = false;
    for (const auto& p : t.patterns) hit = hit || glob_match(p, name);
    if (hit && (best == nullptr || t.priority > best->priority)) best = &t;
  }
  return best;
}

}  // namespace sfsim::es
