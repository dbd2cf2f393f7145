// The field mappings of one concrete index: built from templates, grown by dynamic mapping, held to the limit.
#include "sim/elasticsearch/mapping.hpp"
#include "sim/elasticsearch/dom_util.hpp"

#include "sim/elasticsearch/field_values.hpp"
#include "common/text/glob.hpp"
#include "sim/elasticsearch/json_text.hpp"

#include <algorithm>
#include <array>

namespace sfsim::es {

namespace {

using props = std::map<std::string, mapper, field_name_less>;

constexpr std::array<std::string_view, 33> oss_types{
    "text",          "keyword",      "long",           "integer",      "short",       "byte",
    "double",        "float",        "half_float",     "scaled_float", "boolean",     "date",
    "date_nanos",    "ip",           "object",         "nested",       "binary",      "geo_point",
    "geo_shape",     "alias",        "completion",     "token_count",  "search_as_you_type",
    "rank_feature",  "rank_features", "integer_range", "float_range",  "long_range",  "double_range",
    "date_range",    "ip_range",     "percolator",     "join"};
// x-pack's field types (the default distribution), and the one open type 7.10 did not have yet.
constexpr std::array<std::string_view, 11> xpack_types{
    "flattened", "constant_keyword", "wildcard", "version",     "unsigned_long",         "dense_vector",
    "histogram", "point",            "shape",    "sparse_vector", "aggregate_metric_double"};

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> l) {
  return std::find(l.begin(), l.end(), s) != l.end();
}

bool integer_type(std::string_view t) { return is_one_of(t, {"long", "integer", "short", "byte", "unsigned_long"}); }
bool float_type(std::string_view t) { return is_one_of(t, {"double", "float", "half_float", "scaled_float"}); }

std::string dynamic_text(dynamic_mode d) {
  switch (d) {
    case dynamic_mode::on:
      return "true";
    case dynamic_mode::off:
      return "false";
    case dynamic_mode::strict:
      return "strict";
    default:
      return "";
  }
}

std::optional<dynamic_mode> parse_dynamic(simdjson::dom::element v) {
  bool b = false;
  if (v.get_bool().get(b) == simdjson::SUCCESS) return b ? dynamic_mode::on : dynamic_mode::off;
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  if (s == "true" || s == "runtime") return dynamic_mode::on;
  if (s == "false") return dynamic_mode::off;
  if (s == "strict") return dynamic_mode::strict;
  return std::nullopt;
}


std::string preview(simdjson::dom::element v) {
  std::string out;
  append_preview(out, v);
  return out;
}

mapping_definition_error definition_error(std::string reason) {
  return {"mapper_parsing_exception", std::move(reason)};
}

std::optional<mapping_definition_error> parse_properties(simdjson::dom::object defs, props& into,
                                                         const cluster_flavor& flavor);

// A field definition ({"type":...}) into `m`; `name` is the field's own (leaf) name.
std::optional<mapping_definition_error> parse_mapper(simdjson::dom::element def, std::string_view name,
                                                     const cluster_flavor& flavor, mapper& m) {
  if (!def.is_object())
    return definition_error("Expected map for property [fields] on field [" + std::string(name) +
                            "] but got a class java.lang.String");
  const simdjson::dom::object obj = as_object(def);
  std::string_view type;
  simdjson::dom::element tv;
  const bool has_type = obj.at_key("type").get(tv) == simdjson::SUCCESS;
  if (has_type && tv.get_string().get(type) != simdjson::SUCCESS)
    return definition_error("No handler for type [" + simdjson::minify(tv) + "] declared on field [" +
                            std::string(name) + "]");
  if (!has_type) {
    bool only_object_params = true;
    for (const auto f : obj)
      only_object_params = only_object_params && is_one_of(f.key, {"properties", "dynamic", "enabled",
                                                                    "subobjects"});
    if (!only_object_params) return definition_error("No type specified for field [" + std::string(name) + "]");
    type = "object";
  }
  if (!known_field_type(type, flavor))
    return definition_error("No handler for type [" + std::string(type) + "] declared on field [" +
                            std::string(name) + "]");
  m.type = std::string(type);
  for (const auto f : obj) {
    if (f.key == "type") continue;
    if (m.is_object()) {
      if (f.key == "properties") {
        if (!f.value.is_object())
          return definition_error("Expected map for property [properties] on field [" + std::string(name) + "]");
        if (auto e = parse_properties(as_object(f.value), m.properties, flavor)) return e;
      } else if (f.key == "dynamic") {
        auto d = parse_dynamic(f.value);
        if (!d)
          return definition_error("Could not convert [dynamic] to boolean");
        m.dynamic = *d;
      } else {
        m.params.emplace_back(std::string(f.key), simdjson::minify(f.value));
      }
      continue;
    }
    if (f.key == "fields") {
      if (!f.value.is_object())
        return definition_error("Expected map for property [fields] on field [" + std::string(name) + "]");
      for (const auto sub : as_object(f.value)) {
        mapper s;
        if (auto e = parse_mapper(sub.value, sub.key, flavor, s)) return e;
        m.fields.insert_or_assign(std::string(sub.key), std::move(s));
      }
      continue;
    }
    if (f.key == "value" && m.type == "constant_keyword") {
      std::string_view v;
      if (f.value.get_string().get(v) == simdjson::SUCCESS) m.constant = std::string(v);
      else if (!f.value.is_null()) m.constant = simdjson::minify(f.value);
      continue;
    }
    if (f.key == "format") {
      std::string_view v;
      if (f.value.get_string().get(v) == simdjson::SUCCESS) m.format = std::string(v);
    }
    m.params.emplace_back(std::string(f.key), simdjson::minify(f.value));
  }
  return std::nullopt;
}

void merge_mapper(mapper& dst, mapper&& src) {
  if (!dst.is_object() || !src.is_object()) {
    dst = std::move(src);
    return;
  }
  if (src.dynamic != dynamic_mode::inherit) dst.dynamic = src.dynamic;
  dst.type = src.type;
  for (auto& [k, v] : src.params) {
    auto it = std::find_if(dst.params.begin(), dst.params.end(), [&key = k](const auto& p) { return p.first == key; });
    if (it != dst.params.end()) it->second = v;
    else dst.params.emplace_back(k, v);
  }
  for (auto& [k, child] : src.properties) {
    auto it = dst.properties.find(k);
    if (it == dst.properties.end()) dst.properties.emplace(k, std::move(child));
    else merge_mapper(it->second, std::move(child));
  }
}

// "properties": {...}; dotted names ("data_stream.type") become objects, as Elasticsearch expands them.
std::optional<mapping_definition_error> parse_properties(simdjson::dom::object defs, props& into,
                                                         const cluster_flavor& flavor) {
  for (const auto f : defs) {
    std::string_view key = f.key;
    props* target = &into;
    while (true) {
      const auto dot = key.find('.');
      if (dot == std::string_view::npos || dot == 0 || dot + 1 == key.size()) break;
      auto [it, inserted] = target->try_emplace(std::string(key.substr(0, dot)));
      if (!it->second.is_object()) it->second = mapper{};
      target = &it->second.properties;
      key = key.substr(dot + 1);
    }
    mapper m;
    if (auto e = parse_mapper(f.value, key, flavor, m)) return e;
    auto it = target->find(key);
    if (it == target->end()) target->emplace(std::string(key), std::move(m));
    else merge_mapper(it->second, std::move(m));
  }
  return std::nullopt;
}

void render_mapper(std::string& out, const mapper& m);

void render_props(std::string& out, const props& p) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : p) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
    render_mapper(out, v);
  }
  out += '}';
}

void render_mapper(std::string& out, const mapper& m) {
  out += '{';
  bool first = true;
  auto sep = [&] {
    if (!first) out += ',';
    first = false;
  };
  if (m.is_object()) {
    if (m.type == "nested" || (m.properties.empty() && m.dynamic == dynamic_mode::inherit && m.params.empty())) {
      sep();
      out += "\"type\":";
      append_json_string(out, m.type);
    }
    if (m.dynamic != dynamic_mode::inherit) {
      sep();
      out += "\"dynamic\":" + json_string(dynamic_text(m.dynamic));
    }
  } else {
    sep();
    out += "\"type\":";
    append_json_string(out, m.type);
  }
  for (const auto& [k, v] : m.params) {
    sep();
    append_json_string(out, k);
    out += ':' + v;
  }
  if (m.constant) {
    sep();
    out += "\"value\":" + json_string(*m.constant);
  }
  if (!m.fields.empty()) {
    sep();
    out += "\"fields\":";
    render_props(out, m.fields);
  }
  if (m.is_object() && !m.properties.empty()) {
    sep();
    out += "\"properties\":";
    render_props(out, m.properties);
  }
  out += '}';
}

// Replaces {name} and {dynamic_type} in a dynamic template's mapping.
std::string substitute(std::string_view text, std::string_view name, std::string_view dynamic_type) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i).starts_with("{name}")) {
      out += name;
      i += 5;
    } else if (text.substr(i).starts_with("{dynamic_type}")) {
      out += dynamic_type;
      i += 13;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The byte offset of the value reached by `chain` (object keys and array positions) in the JSON `src`.
struct chain_step {
  std::string_view key;
  int index = -1;  // >= 0: an array position
};

std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

std::size_t skip_string(std::string_view s, std::size_t i) {  // at the opening quote; returns past the end
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      if (s[i] == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (s[i] == '{' || s[i] == '[') ++depth;
      if (s[i] == '}' || s[i] == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n') ++i;
  return i;
}

std::string unescape_key(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      ++i;
      switch (raw[i]) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': out += '?'; i += 4; break;  // a \u escape in a key: good enough to locate the field
        default: out += raw[i];
      }
    } else {
      out += raw[i];
    }
  }
  return out;
}

std::size_t locate(std::string_view s, const std::vector<chain_step>& chain) {
  std::size_t i = skip_ws(s, 0);
  for (const auto& step : chain) {
    if (step.index < 0) {
      if (i >= s.size() || s[i] != '{') return i;
      i = skip_ws(s, i + 1);
      bool found = false;
      while (i < s.size() && s[i] == '"') {
        const std::size_t end = skip_string(s, i);
        const std::string_view raw = s.substr(i + 1, end - i - 2);
        const bool same = raw.find('\\') == std::string_view::npos ? raw == step.key : unescape_key(raw) == step.key;
        i = skip_ws(s, end);
        if (i < s.size() && s[i] == ':') i = skip_ws(s, i + 1);
        if (same) {
          found = true;
          break;
        }
        i = skip_ws(s, skip_value(s, i));
        if (i < s.size() && s[i] == ',') i = skip_ws(s, i + 1);
      }
      if (!found) return i;
    } else {
      if (i >= s.size() || s[i] != '[') return i;
      i = skip_ws(s, i + 1);
      for (int k = 0; k < step.index && i < s.size(); ++k) {
        i = skip_ws(s, skip_value(s, i));
        if (i < s.size() && s[i] == ',') i = skip_ws(s, i + 1);
      }
    }
  }
  return i;
}

std::string location_text(std::string_view s, std::size_t offset) {
  std::size_t line = 1, line_start = 0;
  for (std::size_t k = 0; k < offset && k < s.size(); ++k)
    if (s[k] == '\n') {
      ++line;
      line_start = k + 1;
    }
  return "[" + std::to_string(line) + ":" + std::to_string(offset - line_start + 1) + "] ";
}

constexpr std::array<std::string_view, 10> metadata_fields{"_id",     "_index",   "_source",     "_routing",
                                                           "_seq_no", "_version", "_field_names", "_ignored",
                                                           "_primary_term", "_data_stream_timestamp"};

}  // namespace

bool known_field_type(std::string_view type, const cluster_flavor& flavor) {
  for (const auto t : oss_types)
    if (t == type) return true;
  if (type == "match_only_text") return flavor.major >= 8;
  if (!flavor.xpack) return false;
  for (const auto t : xpack_types)
    if (t == type) return true;
  return false;
}

std::int64_t mapper::total_fields() const {
  std::int64_t n = 1;
  for (const auto& [k, f] : fields) n += f.total_fields();
  for (const auto& [k, p] : properties) n += p.total_fields();
  return n;
}

std::optional<mapping_definition_error> index_mapping::merge(std::string_view json, const cluster_flavor& flavor) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) || !root.is_object())
    return definition_error("Failed to parse mapping: the mapping must be a JSON object");
  const simdjson::dom::object obj = as_object(root);
  // A "_doc" wrapper is accepted as Elasticsearch accepts it.
  simdjson::dom::element inner;
  simdjson::dom::object top = obj;
  if (obj.size() == 1 && obj.at_key("_doc").get(inner) == simdjson::SUCCESS && inner.is_object())
    top = as_object(inner);
  std::string unsupported;
  for (const auto f : top) {
    if (f.key == "properties") {
      if (!f.value.is_object()) return definition_error("Failed to parse mapping: [properties] must be an object");
      if (auto e = parse_properties(as_object(f.value), root_.properties, flavor)) {
        e->reason = "Failed to parse mapping: " + e->reason;
        return e;
      }
    } else if (f.key == "dynamic") {
      auto d = parse_dynamic(f.value);
      if (!d) return definition_error("Failed to parse mapping: Could not convert [dynamic] to boolean");
      root_.dynamic = *d;
    } else if (f.key == "date_detection") {
      bool b = true;
      std::string_view s;
      if (f.value.get_bool().get(b) == simdjson::SUCCESS) date_detection_ = b;
      else if (f.value.get_string().get(s) == simdjson::SUCCESS) date_detection_ = s != "false";
    } else if (f.key == "dynamic_templates") {
      if (!f.value.is_array())
        return definition_error("Failed to parse mapping: Dynamic template syntax error. An array of named objects is expected.");
      for (const auto entry : as_array(f.value)) {
        if (!entry.is_object() || as_object(entry).size() != 1)
          return definition_error(
              "Failed to parse mapping: Dynamic template syntax error. An array of named objects is expected.");
        const auto named = *as_object(entry).begin();
        dynamic_template t;
        t.name = std::string(named.key);
        t.raw = simdjson::minify(entry);
        simdjson::dom::element v;
        if (!named.value.is_object())
          return definition_error("Failed to parse mapping: Dynamic template syntax error. An array of named objects is expected.");
        if (named.value.at_key("match").get(v) == simdjson::SUCCESS) t.match = string_list(v);
        if (named.value.at_key("unmatch").get(v) == simdjson::SUCCESS) t.unmatch = string_list(v);
        if (named.value.at_key("path_match").get(v) == simdjson::SUCCESS) t.path_match = string_list(v);
        if (named.value.at_key("path_unmatch").get(v) == simdjson::SUCCESS) t.path_unmatch = string_list(v);
        if (named.value.at_key("match_mapping_type").get(v) == simdjson::SUCCESS)
          t.match_mapping_type = string_list(v);
        if (named.value.at_key("mapping").get(v) == simdjson::SUCCESS && v.is_object()) {
          t.mapping = simdjson::minify(v);
          std::string_view mt;
          if (v.at_key("type").get_string().get(mt) == simdjson::SUCCESS && mt.find('{') == std::string_view::npos &&
              !known_field_type(mt, flavor))
            return definition_error("Failed to parse mapping: No handler for type [" + std::string(mt) +
                                    "] declared on field [" + t.name + "]");
        } else if (named.value.at_key("runtime").error() != simdjson::SUCCESS) {
          return definition_error("Failed to parse mapping: template [" + t.name + "] must have either mapping or runtime set");
        }
        // A later template of the same name replaces the earlier one, as when templates are composed.
        auto it = std::find_if(templates_.begin(), templates_.end(), [&](const auto& x) { return x.name == t.name; });
        if (it != templates_.end()) *it = std::move(t);
        else templates_.push_back(std::move(t));
      }
    } else if (is_one_of(f.key, {"_source", "_meta", "_routing", "numeric_detection", "dynamic_date_formats",
                                 "runtime", "subobjects", "_data_stream_timestamp", "enabled", "_field_names",
                                 "_size", "_tier"})) {
      continue;
    } else {
      unsupported += (unsupported.empty() ? "[" : ", [") + std::string(f.key) + " : " + preview(f.value) + "]";
    }
  }
  if (!unsupported.empty())
    return definition_error("Failed to parse mapping: Root mapping definition has unsupported parameters:  " +
                            unsupported);
  total_ = root_.total_fields() - 1;
  return std::nullopt;
}

std::string index_mapping::render() const {
  std::string out = "{";
  bool first = true;
  auto sep = [&] {
    if (!first) out += ',';
    first = false;
  };
  if (root_.dynamic != dynamic_mode::inherit) {
    sep();
    out += "\"dynamic\":" + json_string(dynamic_text(root_.dynamic));
  }
  if (data_stream_) {
    sep();
    out += "\"_data_stream_timestamp\":{\"enabled\":true}";
  }
  if (!templates_.empty()) {
    sep();
    out += "\"dynamic_templates\":[";
    for (std::size_t i = 0; i < templates_.size(); ++i) out += (i ? "," : "") + templates_[i].raw;
    out += ']';
  }
  if (!date_detection_) {
    sep();
    out += "\"date_detection\":false";
  }
  if (!root_.properties.empty()) {
    sep();
    out += "\"properties\":";
    render_props(out, root_.properties);
  }
  out += '}';
  return out;
}

// One document against one index_mapping: walks the parsed source, adds dynamic fields, checks values.
class document_mapper {
 public:
  document_mapper(index_mapping& m, std::string_view source, std::string_view id, std::string_view index,
                  const mapping_limits& limits, const cluster_flavor& flavor)
      : m_(m), source_(source), id_(id), index_(index), limits_(limits), flavor_(flavor),
        path_(scratch_path()), chain_(scratch_chain()) {
    path_.clear();
    chain_.clear();
  }

  std::optional<mapping_failure> run(simdjson::dom::object doc) {
    const dynamic_mode root_mode = m_.root_.dynamic == dynamic_mode::inherit ? dynamic_mode::on : m_.root_.dynamic;
    for (const auto f : doc) {
      if (std::find(metadata_fields.begin(), metadata_fields.end(), f.key) != metadata_fields.end()) {
        chain_.push_back({f.key, -1});
        fail(std::string(flavor_.parsing_exception()),
             "Field [" + std::string(f.key) +
                 "] is a metadata field and cannot be added inside a document. Use the index API request "
                 "parameters.",
             "metadata_field");
        break;
      }
      if (!walk_key(m_.root_, root_mode, f.key, f.value)) break;
    }
    if (!failure_ && flavor_.major < 8 && m_.total_ + added_ > limits_.total_fields_limit) {
      failure_ = mapping_failure{"illegal_argument_exception",
                                 "Limit of total fields [" + std::to_string(limits_.total_fields_limit) +
                                     "] has been exceeded",
                                 "", "", "total_fields_limit"};
    }
    if (failure_) {
      for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) it->first->erase(it->second);  // newest first
      for (auto* c : constants_set_) c->constant.reset();
      return failure_;
    }
    m_.total_ += added_;
    m_.ignored_beyond_limit_ += ignored_;
    return std::nullopt;
  }

 private:
  // A key of an object in the document; a dotted key walks (and creates) the objects it names.
  bool walk_key(mapper& obj, dynamic_mode mode, std::string_view key, simdjson::dom::element v) {
    chain_.push_back({key, -1});
    if (key.empty() || key.find_first_not_of(' ') == std::string_view::npos) {
      fail(std::string(flavor_.parsing_exception()),
           key.empty() ? "field name cannot be an empty string" : "field name cannot contain only whitespace: ['" + std::string(key) + "']",
           "field_name");
      return false;
    }
    const std::size_t path_len = path_.size();
    mapper* parent = &obj;
    std::string_view rest = key;
    bool ok = true;
    bool unmapped = false;  // under dynamic: false (or dropped at the limit): kept in _source only
    while (true) {
      const auto dot = rest.find('.');
      if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) break;
      const std::string_view part = rest.substr(0, dot);
      auto it = parent->properties.find(part);
      if (it == parent->properties.end()) {
        if (mode == dynamic_mode::off) {
          unmapped = true;
          break;
        }
        if (mode == dynamic_mode::strict) {
          strict(part);
          ok = false;
          break;
        }
        if (!room_for(1, part)) {
          ok = !failure_;
          unmapped = true;
          break;
        }
        it = parent->properties.emplace(std::string(part), mapper{}).first;
        undo_.emplace_back(&parent->properties, it);
        ++added_;
      } else if (!it->second.is_object()) {
        if (it->second.type == "flattened") {
          unmapped = true;
          break;
        }
        fail(std::string(flavor_.parsing_exception()),
             "Could not dynamically add mapping for field [" + join(key) + "]. Existing mapping for [" + join(part) +
                 "] must be of type object but found [" + it->second.type + "].",
             "type_conflict");
        ok = false;
        break;
      }
      rest = rest.substr(dot + 1);
      push_path(part);
      if (it->second.dynamic != dynamic_mode::inherit) mode = it->second.dynamic;
      parent = &it->second;
    }
    if (ok && !unmapped) ok = walk_value(*parent, mode, rest, v);
    path_.resize(path_len);
    chain_.pop_back();
    return ok;
  }

  bool walk_object(mapper& obj, dynamic_mode mode, simdjson::dom::object o) {
    if (obj.dynamic != dynamic_mode::inherit) mode = obj.dynamic;
    for (const auto f : o)
      if (!walk_key(obj, mode, f.key, f.value)) return false;
    return true;
  }

  bool walk_value(mapper& parent, dynamic_mode mode, std::string_view name, simdjson::dom::element v) {
    using et = simdjson::dom::element_type;
    if (v.type() == et::NULL_VALUE) return true;
    if (v.type() == et::ARRAY) {
      int i = 0;
      for (const auto e : as_array(v)) {
        chain_.push_back({{}, i++});
        const bool ok = walk_value(parent, mode, name, e);
        chain_.pop_back();
        if (!ok) return false;
      }
      return true;
    }
    auto it = parent.properties.find(name);
    if (it == parent.properties.end()) {
      if (mode == dynamic_mode::off) return true;
      if (mode == dynamic_mode::strict) {
        strict(name);
        return false;
      }
      auto made = dynamic_mapper(name, v);
      if (!made) return !failure_;
      const std::int64_t size = made->total_fields();
      if (!room_for(size, name)) return !failure_;
      it = parent.properties.emplace(std::string(name), std::move(*made)).first;
      undo_.emplace_back(&parent.properties, it);
      added_ += size;
    }
    mapper& m = it->second;
    // A concrete field: its path is only spelt out in an error, so it is not built for every value.
    if (!m.is_object()) return check_value(m, v, name);
    const std::size_t path_len = path_.size();
    push_path(name);
    bool ok = true;
    if (v.type() == et::OBJECT) {
      ok = walk_object(m, mode, as_object(v));
    } else {
      fail(std::string(flavor_.parsing_exception()),
           "object mapping for [" + path_ + "] tried to parse field [" + std::string(name) +
               "] as object, but found a concrete value",
           "type_conflict");
      ok = false;
    }
    path_.resize(path_len);
    return ok;
  }

  // The mapper a new field gets: from the first dynamic template that matches, else by its JSON type.
  std::optional<mapper> dynamic_mapper(std::string_view name, simdjson::dom::element v) {
    using et = simdjson::dom::element_type;
    std::string match_type;
    std::string date_format;
    switch (v.type()) {
      case et::OBJECT:
        match_type = "object";
        break;
      case et::STRING: {
        match_type = "string";
        if (m_.date_detection_) {
          if (auto f = detect_date(v.get_string().value_unsafe())) {
            match_type = "date";
            date_format = *f;
          }
        }
        break;
      }
      case et::BOOL:
        match_type = "boolean";
        break;
      case et::DOUBLE:
        match_type = "double";
        break;
      default:
        match_type = "long";
    }
    const std::string full = path_.empty() ? std::string(name) : path_ + "." + std::string(name);
    const std::string_view default_type = match_type == "string"   ? "text"
                                          : match_type == "double" ? "float"
                                                                   : std::string_view(match_type);
    for (const auto& t : m_.templates_) {
      if (!template_matches(t, name, full, match_type)) continue;
      const std::string json = substitute(t.mapping, name, default_type);
      simdjson::dom::parser p;
      simdjson::dom::element def;
      if (p.parse(json).get(def) || !def.is_object()) break;
      mapper made;
      std::string with_type = json;
      if (def.at_key("type").error() != simdjson::SUCCESS) {
        // A template mapping without a type takes the detected one.
        with_type = "{\"type\":" + json_string(default_type) + (json.size() > 2 ? "," + json.substr(1) : "}");
        if (p.parse(with_type).get(def)) break;
      }
      if (parse_mapper(def, name, flavor_, made)) break;
      return made;
    }
    mapper made;
    made.type = std::string(default_type);
    if (match_type == "string") {
      mapper kw;
      kw.type = "keyword";
      kw.params.emplace_back("ignore_above", "256");
      made.fields.emplace("keyword", std::move(kw));
    } else if (match_type == "date" && !date_format.empty()) {
      made.format = date_format;
      made.params.emplace_back("format", json_string(date_format));
    }
    return made;
  }

  bool template_matches(const dynamic_template& t, std::string_view name, std::string_view full,
                        std::string_view match_type) const {
    if (!t.match_mapping_type.empty()) {
      bool hit = false;
      for (const auto& mt : t.match_mapping_type) hit = hit || mt == "*" || mt == match_type;
      if (!hit) return false;
    } else if (match_type == "object") {
      // A template without match_mapping_type maps an object only if its mapping is one for objects.
      simdjson::dom::parser p;
      simdjson::dom::element def;
      std::string_view type;
      if (p.parse(t.mapping).get(def) == simdjson::SUCCESS &&
          def.at_key("type").get_string().get(type) == simdjson::SUCCESS &&
          !is_one_of(type, {"object", "nested", "flattened", "{dynamic_type}"}))
        return false;
    }
    auto any = [](const std::vector<std::string>& pats, std::string_view s) {
      for (const auto& p : pats)
        if (glob_match(p, s)) return true;
      return false;
    };
    if (!t.match.empty() && !any(t.match, name)) return false;
    if (any(t.unmatch, name)) return false;
    if (!t.path_match.empty() && !any(t.path_match, full)) return false;
    if (any(t.path_unmatch, full)) return false;
    return true;
  }

  // The field limit: in 8.x checked as each new mapper is added (or the field dropped when allowed).
  bool room_for(std::int64_t size, std::string_view name) {
    (void)name;
    if (flavor_.major < 8) return true;
    if (m_.total_ + added_ + size <= limits_.total_fields_limit) return true;
    if (limits_.ignore_dynamic_beyond_limit) {
      ++ignored_;
      return false;
    }
    const std::string msg = "Limit of total fields [" + std::to_string(limits_.total_fields_limit) +
                            "] has been exceeded while adding new fields [" + std::to_string(added_ + size) + "]";
    fail("document_parsing_exception", "failed to parse: " + msg, "total_fields_limit", "illegal_argument_exception",
         msg);
    return false;
  }

  // The value rule of a field type, classified once per mapper (the bulk path asks for every value).
  enum rule : std::int8_t { any_value = 0, any_scalar, numeric, boolean, date, ip, constant, no_object };
  static rule classify(std::string_view t) {
    if (is_one_of(t, {"text", "keyword", "wildcard", "match_only_text", "version", "search_as_you_type"}))
      return any_scalar;
    if (is_one_of(t, {"flattened", "geo_point", "geo_shape", "binary", "percolator", "join", "dense_vector",
                      "sparse_vector", "histogram", "rank_features", "point", "shape", "aggregate_metric_double",
                      "alias", "completion"}) ||
        t.ends_with("_range"))
      return any_value;
    if (integer_type(t) || float_type(t) || t == "token_count" || t == "rank_feature") return numeric;
    if (t == "boolean") return boolean;
    if (t == "date" || t == "date_nanos") return date;
    if (t == "ip") return ip;
    if (t == "constant_keyword") return constant;
    return no_object;
  }

  // `name`: the field's last path part (path_ holds its parent's path).
  bool check_value(mapper& m, simdjson::dom::element v, std::string_view name) {
    using et = simdjson::dom::element_type;
    const std::string_view t = m.type;
    if (m.family < 0) m.family = classify(t);
    const auto r = static_cast<rule>(m.family);
    if (r == any_value) return true;
    const et vt = v.type();
    if (r == any_scalar && vt != et::OBJECT) return true;
    std::string cause_type, cause_reason;
    bool bad = false;
    std::string_view s;
    const bool is_string = vt == et::STRING && v.get_string().get(s) == simdjson::SUCCESS;
    if (vt == et::OBJECT) {
      bad = true;
    } else if (r == numeric) {
      if (vt == et::BOOL) {
        bad = true;
        cause_type = "x_content_parse_exception";
        cause_reason = (flavor_.major >= 8 ? location() : "") + "Current token (" +
                       (v.get_bool().value_unsafe() ? "VALUE_TRUE" : "VALUE_FALSE") +
                       ") not numeric, can not use numeric value accessors";
      } else if (is_string && !s.empty() && !is_numeric_text(s)) {
        bad = true;
        cause_type = integer_type(t) && flavor_.major >= 8 ? "illegal_argument_exception" : "number_format_exception";
        cause_reason = "For input string: \"" + std::string(s) + "\"";
      }
    } else if (r == boolean) {
      if (vt != et::BOOL && !(is_string && (s == "true" || s == "false" || s.empty()))) {
        bad = true;
        cause_type = "illegal_argument_exception";
        cause_reason = "Failed to parse value [" + preview_text(v) + "] as only [true] or [false] are allowed.";
      }
    } else if (r == date) {
      // The text is only copied for a number (its preview) or for the error.
      const bool ok = vt != et::BOOL && (is_string ? date_matches_format(m.format, s)
                                                   : date_matches_format(m.format, preview_text(v)));
      if (!ok) {
        const std::string text = is_string ? std::string(s) : preview_text(v);
        bad = true;
        cause_type = "illegal_argument_exception";
        cause_reason = "failed to parse date field [" + text + "] with format [" +
                       (m.format.empty() ? std::string(default_date_format) : m.format) + "]";
      }
    } else if (r == ip) {
      if (!is_string || !is_ip_literal(s)) {
        bad = true;
        cause_type = "illegal_argument_exception";
        cause_reason = "'" + preview_text(v) + "' is not an IP string literal.";
      }
    } else if (r == constant) {
      const std::string text = is_string ? std::string(s) : preview_text(v);
      if (!m.constant) {
        m.constant = text;  // the first document sets the value, as a mapping update
        constants_set_.push_back(&m);
      } else if (*m.constant != text) {
        bad = true;
        cause_type = "illegal_argument_exception";
        cause_reason = "[constant_keyword] field [" + join(name) +
                       "] only accepts values that are equal to the value defined in the mappings [" + *m.constant +
                       "], but got [" + text + "]";
      }
    }
    if (!bad) return true;
    if (limits_.ignore_malformed && v.type() != et::OBJECT &&
        (integer_type(t) || float_type(t) || t == "date" || t == "date_nanos" || t == "ip" || t == "boolean"))
      return true;
    fail(std::string(flavor_.parsing_exception()),
         "failed to parse field [" + join(name) + "] of type [" + std::string(t) + "] in document with id '" +
             std::string(id_) + "'. Preview of field's value: '" + preview_text(v) + "'",
         "type_conflict", cause_type, cause_reason);
    return false;
  }

  void strict(std::string_view name) {
    fail("strict_dynamic_mapping_exception",
         "mapping set to strict, dynamic introduction of [" + std::string(name) + "] within [" +
             (path_.empty() ? std::string("_doc") : path_) + "] is not allowed",
         "strict_dynamic");
  }

  void fail(std::string type, std::string reason, std::string kind, std::string cause_type = {},
            std::string cause_reason = {}) {
    if (failure_) return;
    const bool located = flavor_.major >= 8 && type != "illegal_argument_exception";
    failure_ = mapping_failure{std::move(type), (located ? location() : "") + std::move(reason),
                               std::move(cause_type), std::move(cause_reason), std::move(kind)};
  }

  std::string location() const { return location_text(source_, locate(source_, chain_)); }

  static std::string preview_text(simdjson::dom::element v) { return preview(v); }

  void push_path(std::string_view part) {
    if (!path_.empty()) path_ += '.';
    path_ += part;
  }
  std::string join(std::string_view part) const {
    return path_.empty() ? std::string(part) : path_ + "." + std::string(part);
  }

  index_mapping& m_;
  std::string_view source_;
  std::string_view id_;
  std::string_view index_;
  const mapping_limits& limits_;
  const cluster_flavor& flavor_;
  // One document at a time per thread: the path and chain buffers keep their capacity from one to the next.
  static std::string& scratch_path() {
    thread_local std::string buffer;
    return buffer;
  }
  static std::vector<chain_step>& scratch_chain() {
    thread_local std::vector<chain_step> buffer;
    return buffer;
  }
  std::string& path_;
  std::vector<chain_step>& chain_;
  std::vector<std::pair<props*, props::iterator>> undo_;
  std::vector<mapper*> constants_set_;
  std::int64_t added_ = 0;
  std::uint64_t ignored_ = 0;
  std::optional<mapping_failure> failure_;
};

std::optional<mapping_failure> index_mapping::apply(simdjson::dom::object doc, std::string_view source,
                                                    std::string_view id, std::string_view index,
                                                    const mapping_limits& limits, const cluster_flavor& flavor) {
  document_mapper dm(*this, source, id, index, limits, flavor);
  return dm.run(doc);
}

}  // namespace sfsim::es
