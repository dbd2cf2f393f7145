// Component and composable index templates: PUT/GET/DELETE storage, put-time validation (missing components,
// unknown field types, the same-priority overlap rule), and what a new index or data stream gets from them.
#include "sim/elasticsearch/index_templates.hpp"
#include "sim/elasticsearch/dom_util.hpp"

#include "sim/elasticsearch/builtin_templates.hpp"
#include "common/text/glob.hpp"
#include "sim/elasticsearch/json_text.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>

namespace sfsim::es {

namespace {

constexpr std::array<std::string_view, 10> known_fields{
    "index_patterns", "template",          "composed_of",
    "priority",       "version",           "_meta",
    "data_stream",    "allow_auto_create", "ignore_missing_component_templates",
    "deprecated"};
constexpr std::array<std::string_view, 4> known_component_fields{"template", "version", "_meta", "deprecated"};
constexpr std::array<std::string_view, 5> known_template_fields{"settings", "mappings", "aliases", "lifecycle",
                                                                "data_stream_options"};

std::string list_text(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out + "]";
}

rest_error parse_error(std::string reason) {
  return {400, "x_content_parse_exception", std::move(reason), {}};
}

template <std::size_t N>
bool is_known(std::string_view key, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

// Reads the "template" object into `part` and writes the body again with its settings normalised (GET shows
// settings as Elasticsearch stores them: nested under "index", values as strings).
std::optional<rest_error> read_body(simdjson::dom::object root, std::string_view what, template_part& part,
                                    std::string& body) {
  body = "{";
  bool first = true;
  for (const auto f : root) {
    if (!first) body += ',';
    first = false;
    append_json_string(body, f.key);
    body += ':';
    if (f.key != "template") {
      body += simdjson::minify(f.value);
      continue;
    }
    if (!f.value.is_object())
      return parse_error("[1:2] [" + std::string(what) + "] template doesn't support values of type: " +
                         (f.value.is_array() ? "START_ARRAY" : "VALUE_STRING"));
    body += '{';
    bool tfirst = true;
    for (const auto t : as_object(f.value)) {
      if (!is_known(t.key, known_template_fields))
        return parse_error("[1:2] [template] unknown field [" + std::string(t.key) + "]");
      if (!tfirst) body += ',';
      tfirst = false;
      append_json_string(body, t.key);
      body += ':';
      if (!t.value.is_object() && !t.value.is_null())
        return parse_error("[1:2] [template] " + std::string(t.key) + " doesn't support values of type: VALUE_STRING");
      const std::string raw = simdjson::minify(t.value);
      if (t.key == "settings") {
        flat_settings flat;
        if (t.value.is_object()) merge_settings(raw, flat);
        part.settings = render_settings(flat);
        body += part.settings;
        continue;
      }
      if (t.key == "mappings") part.mappings = raw;
      if (t.key == "lifecycle") part.lifecycle = raw;
      body += raw;
    }
    body += '}';
  }
  body += '}';
  return std::nullopt;
}



}  // namespace

// A mapping error as a put of a component template (or an index) reports it: the wrapper and its cause.
rest_error mapping_rest_error(const mapping_definition_error& e, const cluster_flavor& flavor) {
  std::string inner = e.reason;
  constexpr std::string_view prefix = "Failed to parse mapping: ";
  if (inner.starts_with(prefix)) inner = inner.substr(prefix.size());
  const std::string outer = (flavor.major >= 8 ? "Failed to parse mapping: " : "Failed to parse mapping [_doc]: ") + inner;
  rest_error r{400, e.type, outer, {}};
  r.caused_by.emplace_back(e.type, inner);
  return r;
}

bool name_list_match(std::string_view list, std::string_view name) {
  while (true) {
    const auto comma = list.find(',');
    if (glob_match(list.substr(0, comma), name)) return true;
    if (comma == std::string_view::npos) return false;
    list = list.substr(comma + 1);
  }
}

index_templates::index_templates(const std::vector<std::string>& data_stream_patterns, bool builtins,
                                 cluster_flavor flavor)
    : flavor_(flavor) {
  if (!builtins) return;
  for (const auto& [name, body] : builtin_component_templates()) put_component(name, body);
  if (!data_stream_patterns.empty()) put("logs", builtin_logs_template(data_stream_patterns));
}

std::optional<rest_error> index_templates::put_component(std::string_view name, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (body.empty()) return rest_error{400, "parse_exception", "request body is required", {}};
  if (auto ec = parser.parse(body.data(), body.size()).get(root))
    return parse_error("[1:1] Failed to parse: " + std::string(simdjson::error_message(ec)));
  if (!root.is_object()) return parse_error("[1:1] [component_template] Expected START_OBJECT");
  const simdjson::dom::object fields = as_object(root);
  for (const auto f : fields)
    if (!is_known(f.key, known_component_fields))
      return parse_error("[1:2] [component_template] unknown field [" + std::string(f.key) + "]");
  if (fields.at_key("template").error() != simdjson::SUCCESS)
    return rest_error{400, "illegal_argument_exception", "Required [template]", {}};
  component_template c;
  c.name = std::string(name);
  if (auto e = read_body(fields, "component_template", c.part, c.body)) return e;
  if (!c.part.mappings.empty()) {
    index_mapping probe;
    if (auto e = probe.merge(c.part.mappings, flavor_)) return mapping_rest_error(*e, flavor_);
  }
  components_.insert_or_assign(c.name, std::move(c));
  return std::nullopt;
}

std::optional<rest_error> index_templates::validate_composition(const index_template& t) const {
  std::vector<std::string> missing;
  for (const auto& c : t.composed_of)
    if (!components_.count(c) && std::find(t.ignore_missing.begin(), t.ignore_missing.end(), c) == t.ignore_missing.end())
      missing.push_back(c);
  if (!missing.empty()) {
    const std::string cause = t.ignore_missing.empty()
                                  ? "index template [" + t.name + "] specifies component templates " +
                                        list_text(missing) + " that do not exist"
                                  : "index template [" + t.name + "] specifies a missing component templates " +
                                        list_text(missing) +
                                        " that does not exist and is not part of 'ignore_missing_component_templates'";
    return rest_error{400, "invalid_index_template_exception",
                      "index_template [" + t.name + "] invalid, cause [" + cause + "]", {}};
  }
  if (!t.part.lifecycle.empty() && !t.data_stream) {
    bool from_component = false;
    (void)from_component;
    return rest_error{400, "illegal_argument_exception",
                      "index template [" + t.name +
                          "] specifies lifecycle configuration that can only be used in combination with a data stream",
                      {}};
  }
  index_mapping probe;
  auto check = [&](const std::string& m) -> std::optional<mapping_definition_error> {
    if (m.empty()) return std::nullopt;
    return probe.merge(m, flavor_);
  };
  std::optional<mapping_definition_error> err;
  for (const auto& c : t.composed_of) {
    auto it = components_.find(c);
    if (it != components_.end() && !err) err = check(it->second.part.mappings);
  }
  if (!err) err = check(t.part.mappings);
  if (err) {
    rest_error inner = mapping_rest_error(*err, flavor_);
    rest_error r{400, "illegal_argument_exception",
                 "composable template [" + t.name + "] template after composition " +
                     (t.composed_of.empty() ? std::string() : "with component templates " + list_text(t.composed_of) + " ") +
                     "is invalid",
                 {}};
    r.caused_by.emplace_back(inner.type, inner.reason);
    for (auto& c : inner.caused_by) r.caused_by.push_back(c);
    return r;
  }
  return std::nullopt;
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
  const simdjson::dom::object fields = as_object(root);
  for (const auto f : fields) {
    // ignore_missing_component_templates came with 8.7; 7.x does not know the key.
    if (!is_known(f.key, known_fields) || (flavor_.major < 8 && f.key == "ignore_missing_component_templates"))
      return parse_error("[1:2] [index_template] unknown field [" + std::string(f.key) + "]");
    if (f.key == "data_stream" && flavor_.major < 8 && !flavor_.xpack) {
      rest_error r{400, "illegal_argument_exception",
                   "composable template [" + std::string(name) + "] template after composition is invalid"};
      r.caused_by.emplace_back("x_content_parse_exception", "[1:2] [index_template] unknown field [data_stream]");
      return r;
    }
    if (f.key == "index_patterns") {
      has_patterns = true;
      if (f.value.is_string()) {
        t.patterns.emplace_back(f.value.get_string().value_unsafe());
      } else if (f.value.is_array()) {
        const simdjson::dom::array p_arrays = as_array(f.value);
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
    } else if (f.key == "composed_of") {
      t.composed_of = string_list(f.value);
    } else if (f.key == "ignore_missing_component_templates") {
      t.ignore_missing = string_list(f.value);
    }
  }
  if (!has_patterns) return rest_error{400, "illegal_argument_exception", "Required [index_patterns]"};
  if (t.patterns.empty())
    return rest_error{
        400, "action_request_validation_exception", "Validation Failed: 1: index patterns are missing;", {}};
  if (auto e = read_body(fields, "index_template", t.part, t.body)) return e;
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
        (clashing_patterns.empty() ? "" : ",") + other_name + " => " + list_text(other.patterns);
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
  if (auto e = validate_composition(t)) return e;
  templates_.insert_or_assign(t.name, std::move(t));
  return std::nullopt;
}

std::optional<rest_error> index_templates::remove(std::string_view name) {
  std::vector<std::string> gone;
  for (const auto& [n, t] : templates_)
    if (name_list_match(name, n)) gone.push_back(n);
  if (gone.empty() && name.find('*') == std::string_view::npos)
    return rest_error{404, "index_template_missing_exception", "index_template [" + std::string(name) + "] missing", {}};
  for (const auto& n : gone) templates_.erase(n);
  return std::nullopt;
}

std::optional<rest_error> index_templates::remove_component(std::string_view name) {
  std::vector<std::string> gone;
  for (const auto& [n, c] : components_)
    if (name_list_match(name, n)) gone.push_back(n);
  if (gone.empty()) {
    if (name.find('*') != std::string_view::npos) return std::nullopt;
    return rest_error{404, "resource_not_found_exception", std::string(name), {}};
  }
  std::vector<std::string> users;
  for (const auto& [n, t] : templates_)
    for (const auto& c : t.composed_of)
      if (std::find(gone.begin(), gone.end(), c) != gone.end()) {
        users.push_back(n);
        break;
      }
  if (!users.empty())
    return rest_error{400, "illegal_argument_exception",
                      "component templates " + list_text(gone) +
                          " cannot be removed as they are still in use by index templates " + list_text(users),
                      {}};
  for (const auto& n : gone) components_.erase(n);
  return std::nullopt;
}

std::vector<const index_template*> index_templates::find(std::string_view name_pattern) const {
  std::vector<const index_template*> out;
  for (const auto& [name, t] : templates_)
    if (name_list_match(name_pattern, name)) out.push_back(&t);
  return out;
}

std::vector<const component_template*> index_templates::find_components(std::string_view name_pattern) const {
  std::vector<const component_template*> out;
  for (const auto& [name, c] : components_)
    if (name_list_match(name_pattern, name)) out.push_back(&c);
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

resolved_template index_templates::resolve(std::string_view name) const {
  resolved_template r;
  r.tpl = match(name);
  if (r.tpl == nullptr) return r;
  auto add = [&](const template_part& p) {
    if (!p.mappings.empty()) r.mappings.push_back(p.mappings);
    if (!p.settings.empty()) merge_settings(p.settings, r.settings);
    if (!p.lifecycle.empty()) r.lifecycle = p.lifecycle;
  };
  for (const auto& c : r.tpl->composed_of)
    if (auto it = components_.find(c); it != components_.end()) add(it->second.part);
  add(r.tpl->part);
  return r;
}

}  // namespace sfsim::es
