// Ingest pipelines: PUT/GET/DELETE storage with put-time validation, and running one over a document
// (set with {{{mustache}}} values or copy_from, remove, rename, pipeline).
#include "sim/elasticsearch/ingest_pipelines.hpp"

#include "common/time/rfc3339.hpp"
#include "sim/elasticsearch/dom_util.hpp"

#include "common/text/glob.hpp"
#include "sim/elasticsearch/index_templates.hpp"
#include "sim/elasticsearch/json_text.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

namespace sfsim::es {

namespace {

// Processors Elasticsearch has but es-sim does not run: refused with a clear reason, never faked.
constexpr std::array<std::string_view, 30> other_es_processors{
    "append",     "bytes",     "circle",     "community_id", "convert",     "csv",        "date",
    "date_index_name", "dissect", "dot_expander", "drop",     "enrich",      "fail",       "fingerprint",
    "foreach",    "geoip",     "grok",       "gsub",         "html_strip",  "inference",  "join",
    "json",       "kv",        "lowercase",  "network_direction", "script", "sort",       "split",
    "trim",       "uppercase"};

rest_error parse_exception(std::string reason) { return {400, "parse_exception", std::move(reason), {}}; }

// A document as processors change it: a small mutable JSON tree (scalars kept as their JSON text).
struct jnode {
  enum class kind : std::uint8_t { scalar, object, array } k = kind::scalar;
  std::string raw = "null";
  std::vector<std::pair<std::string, jnode>> members;
  std::vector<jnode> items;
  // User-provided: clang 14 with libstdc++ 12 cannot default it while `members` names the incomplete jnode.
  jnode() {}

  static jnode from(simdjson::dom::element e) {
    jnode n;
    if (e.is_object()) {
      n.k = kind::object;
      for (const auto f : as_object(e)) n.members.emplace_back(std::string(f.key), from(f.value));
    } else if (e.is_array()) {
      n.k = kind::array;
      for (const auto x : as_array(e)) n.items.push_back(from(x));
    } else {
      n.raw = simdjson::minify(e);
    }
    return n;
  }
  jnode* member(std::string_view key) {
    for (auto& [k2, v] : members)
      if (k2 == key) return &v;
    return nullptr;
  }
  void write(std::string& out) const {
    if (k == kind::scalar) {
      out += raw;
    } else if (k == kind::object) {
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, members[i].first);
        out += ':';
        members[i].second.write(out);
      }
      out += '}';
    } else {
      out += '[';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        items[i].write(out);
      }
      out += ']';
    }
  }
  // The text a {{{template}}} renders: strings without quotes, anything else as JSON.
  std::string text() const {
    if (k == kind::scalar && raw.starts_with('"')) {
      simdjson::dom::parser p;
      std::string_view s;
      if (p.parse(raw).get_string().get(s) == simdjson::SUCCESS) return std::string(s);
    }
    std::string out;
    write(out);
    return out;
  }
};

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto dot = path.find('.');
    parts.push_back(path.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    path = path.substr(dot + 1);
  }
}

struct doc_run {
  jnode root;
  const ingest_context& ctx;

  jnode* get(std::string_view path) {
    jnode* cur = &root;
    for (const auto part : split_path(path)) {
      if (cur->k != jnode::kind::object) return nullptr;
      cur = cur->member(part);
      if (cur == nullptr) return nullptr;
    }
    return cur;
  }
  // Creates the objects on the way; false if a non-object sits on the path.
  bool set(std::string_view path, jnode value) {
    jnode* cur = &root;
    const auto parts = split_path(path);
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      jnode* next = cur->member(parts[i]);
      if (next == nullptr) {
        jnode obj;
        obj.k = jnode::kind::object;
        cur->members.emplace_back(std::string(parts[i]), std::move(obj));
        next = &cur->members.back().second;
      }
      if (next->k != jnode::kind::object) return false;
      cur = next;
    }
    if (jnode* existing = cur->member(parts.back())) *existing = std::move(value);
    else cur->members.emplace_back(std::string(parts.back()), std::move(value));
    return true;
  }
  bool remove(std::string_view path) {
    jnode* cur = &root;
    const auto parts = split_path(path);
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      cur = cur->member(parts[i]);
      if (cur == nullptr || cur->k != jnode::kind::object) return false;
    }
    auto& m = cur->members;
    auto it = std::find_if(m.begin(), m.end(), [&](const auto& kv) { return kv.first == parts.back(); });
    if (it == m.end()) return false;
    m.erase(it);
    return true;
  }
  std::optional<jnode> lookup(std::string_view path) {
    if (path == "_ingest.timestamp") return scalar_string(ctx.timestamp);
    if (path == "_index") return scalar_string(ctx.index);
    if (path == "_id") return scalar_string(ctx.id);
    if (jnode* n = get(path)) return *n;
    return std::nullopt;
  }
  static jnode scalar_string(std::string_view s) {
    jnode n;
    n.raw = json_string(s);
    return n;
  }
  // Mustache as ingest uses it: {{{path}}} and {{path}}; a missing path renders empty.
  std::string render(std::string_view tpl) {
    std::string out;
    std::size_t i = 0;
    while (i < tpl.size()) {
      const auto open = tpl.find("{{", i);
      if (open == std::string_view::npos) {
        out += tpl.substr(i);
        break;
      }
      out += tpl.substr(i, open - i);
      const bool triple = tpl.substr(open).starts_with("{{{");
      const std::size_t start = open + (triple ? 3 : 2);
      const auto close = tpl.find(triple ? "}}}" : "}}", start);
      if (close == std::string_view::npos) {
        out += tpl.substr(open);
        break;
      }
      const std::string_view name = trim(tpl.substr(start, close - start));
      if (auto v = lookup(name)) out += v->text();
      i = close + (triple ? 3 : 2);
    }
    return out;
  }
};

}  // namespace

std::string ingest_timestamp_now() {
  // Elasticsearch writes _ingest.timestamp with microseconds.
  return sf::time::format_rfc3339(std::chrono::system_clock::now(), 6);
}

std::optional<rest_error> ingest_pipelines::put(std::string_view id, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (body.empty()) return rest_error{400, "parse_exception", "request body is required", {}};
  if (auto ec = parser.parse(body.data(), body.size()).get(root))
    return rest_error{400, "x_content_parse_exception", "[1:1] Failed to parse: " + std::string(simdjson::error_message(ec)), {}};
  if (!root.is_object()) return parse_exception("request body or source parameter is required");
  simdjson::dom::element procs;
  if (root.at_key("processors").get(procs) != simdjson::SUCCESS)
    return parse_exception("[processors] required property is missing");
  if (!procs.is_array()) return parse_exception("[processors] property isn't a list, but of type [java.lang.String]");
  pipeline p;
  p.id = std::string(id);
  p.body = simdjson::minify(root);
  for (const auto entry : as_array(procs)) {
    if (!entry.is_object() || as_object(entry).size() != 1)
      return parse_exception("[processors] property isn't a map, but of type [java.lang.String]");
    const auto named = *as_object(entry).begin();
    processor pr;
    pr.kind = std::string(named.key);
    if (!named.value.is_object())
      return parse_exception("[" + pr.kind + "] processor config must be a map");
    const auto cfg = named.value;
    auto str = [&](std::string_view key, std::string& out) {
      std::string_view s;
      if (cfg.at_key(key).get_string().get(s) == simdjson::SUCCESS) {
        out = std::string(s);
        return true;
      }
      return false;
    };
    auto flag = [&](std::string_view key, bool& out) {
      bool b = false;
      if (cfg.at_key(key).get_bool().get(b) == simdjson::SUCCESS) out = b;
    };
    auto missing = [&](std::string_view prop) {
      rest_error e = parse_exception("[" + std::string(prop) + "] required property is missing");
      e.extra = {{"property_name", json_string(prop)}, {"processor_type", json_string(pr.kind)}};
      return e;
    };
    if (cfg.at_key("if").error() == simdjson::SUCCESS)
      return rest_error{400, "illegal_argument_exception",
                        "es-sim does not run scripts: the [if] condition of a [" + pr.kind + "] processor", {}};
    flag("ignore_failure", pr.ignore_failure);
    if (pr.kind == "set") {
      if (!str("field", pr.field)) return missing("field");
      simdjson::dom::element v;
      const bool has_value = cfg.at_key("value").get(v) == simdjson::SUCCESS;
      const bool has_copy = str("copy_from", pr.copy_from);
      if (has_value && has_copy)
        return parse_exception("[copy_from] cannot set both `copy_from` and `value` in the same processor");
      if (!has_value && !has_copy) return missing("value");
      if (has_value) pr.value_json = simdjson::minify(v);
      flag("override", pr.override_existing);
      flag("ignore_empty_value", pr.ignore_empty_value);
    } else if (pr.kind == "remove") {
      simdjson::dom::element f;
      if (cfg.at_key("field").get(f) != simdjson::SUCCESS) return missing("field");
      std::string_view s;
      if (f.get_string().get(s) == simdjson::SUCCESS) pr.fields.emplace_back(s);
      else if (f.is_array())
        for (const auto x : as_array(f))
          if (x.get_string().get(s) == simdjson::SUCCESS) pr.fields.emplace_back(s);
      flag("ignore_missing", pr.ignore_missing);
    } else if (pr.kind == "rename") {
      if (!str("field", pr.field)) return missing("field");
      if (!str("target_field", pr.target_field)) return missing("target_field");
      flag("ignore_missing", pr.ignore_missing);
    } else if (pr.kind == "pipeline") {
      if (!str("name", pr.pipeline_name)) return missing("name");
      flag("ignore_missing_pipeline", pr.ignore_missing_pipeline);
    } else if (std::find(other_es_processors.begin(), other_es_processors.end(), pr.kind) !=
               other_es_processors.end()) {
      return rest_error{400, "illegal_argument_exception",
                        "es-sim does not run the [" + pr.kind + "] processor (only set, remove, rename, pipeline)", {}};
    } else {
      rest_error e = parse_exception("No processor type exists with name [" + pr.kind + "]");
      e.extra = {{"processor_type", json_string(pr.kind)}};
      return e;
    }
    p.processors.push_back(std::move(pr));
  }
  pipelines_.insert_or_assign(p.id, std::move(p));
  return std::nullopt;
}

std::optional<rest_error> ingest_pipelines::remove(std::string_view id) {
  std::vector<std::string> gone;
  for (const auto& [n, p] : pipelines_)
    if (name_list_match(id, n)) gone.push_back(n);
  if (gone.empty() && id.find('*') == std::string_view::npos)
    return rest_error{404, "resource_not_found_exception", "pipeline [" + std::string(id) + "] is missing", {}};
  for (const auto& n : gone) pipelines_.erase(n);
  return std::nullopt;
}

std::vector<const pipeline*> ingest_pipelines::find(std::string_view id_list) const {
  std::vector<const pipeline*> out;
  for (const auto& [n, p] : pipelines_)
    if (name_list_match(id_list, n)) out.push_back(&p);
  return out;
}

ingest_outcome ingest_pipelines::run(std::string_view id, std::string_view source, const ingest_context& ctx) const {
  ingest_outcome out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(source.data(), source.size()).get(root) || !root.is_object()) {
    out.error_type = "illegal_argument_exception";
    out.error_reason = "the document source is not a JSON object";
    return out;
  }
  doc_run doc{jnode::from(root), ctx};
  std::vector<std::string> stack;
  // Returns false when the item fails (out.error_* set).
  auto run_pipeline = [&](auto& self, std::string_view pid) -> bool {
    auto it = pipelines_.find(pid);
    if (it == pipelines_.end()) {
      out.error_type = "illegal_argument_exception";
      out.error_reason = "pipeline with id [" + std::string(pid) + "] does not exist";
      return false;
    }
    if (std::find(stack.begin(), stack.end(), pid) != stack.end()) {
      out.error_type = "graph_structure_exception";
      out.error_reason = "Cycle detected for pipeline: " + std::string(pid);
      return false;
    }
    stack.emplace_back(pid);
    for (const auto& pr : it->second.processors) {
      std::string err;
      if (pr.kind == "set") {
        jnode* existing = doc.get(pr.field);
        if (existing != nullptr && !pr.override_existing && existing->raw != "null") continue;
        std::optional<jnode> value;
        if (!pr.copy_from.empty()) {
          value = doc.lookup(pr.copy_from);
          if (!value) err = "field [" + pr.copy_from + "] not present as part of path [" + pr.copy_from + "]";
        } else {
          simdjson::dom::parser vp;
          simdjson::dom::element ve;
          if (vp.parse(pr.value_json).get(ve) == simdjson::SUCCESS) {
            std::string_view s;
            if (ve.get_string().get(s) == simdjson::SUCCESS) value = doc_run::scalar_string(doc.render(s));
            else value = jnode::from(ve);
          }
        }
        if (err.empty() && value) {
          if (pr.ignore_empty_value && (value->raw == "\"\"" || value->raw == "null")) continue;
          if (!doc.set(pr.field, std::move(*value)))
            err = "cannot set [" + pr.field + "] with parent object of type [java.lang.String] as part of path [" +
                  pr.field + "]";
        }
      } else if (pr.kind == "remove") {
        for (const auto& f : pr.fields)
          if (!doc.remove(f) && !pr.ignore_missing) {
            err = "field [" + f + "] not present as part of path [" + f + "]";
            break;
          }
      } else if (pr.kind == "rename") {
        jnode* from = doc.get(pr.field);
        if (from == nullptr) {
          if (!pr.ignore_missing) err = "field [" + pr.field + "] doesn't exist";
        } else if (doc.get(pr.target_field) != nullptr) {
          err = "field [" + pr.target_field + "] already exists";
        } else {
          jnode moved = *from;
          doc.remove(pr.field);
          doc.set(pr.target_field, std::move(moved));
        }
      } else if (pr.kind == "pipeline") {
        if (!pipelines_.count(pr.pipeline_name) && pr.ignore_missing_pipeline) continue;
        if (!self(self, pr.pipeline_name)) return false;
      }
      if (!err.empty() && !pr.ignore_failure) {
        out.error_type = "illegal_argument_exception";
        out.error_reason = std::move(err);
        return false;
      }
    }
    stack.pop_back();
    return true;
  };
  if (!run_pipeline(run_pipeline, id)) return out;
  out.changed = true;
  doc.root.write(out.source);
  return out;
}

}  // namespace sfsim::es
