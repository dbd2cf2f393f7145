// es-sim's cluster management endpoints: component templates, ILM policies, ingest pipelines, data streams,
// GET _mapping, rollover and _has_privileges.
#include "sim/elasticsearch/es_server.hpp"

#include "common/time/rfc3339.hpp"

#include "sim/elasticsearch/dom_util.hpp"
#include "common/text/glob.hpp"
#include "sim/elasticsearch/json_text.hpp"
#include "sim/elasticsearch/options.hpp"

#include <simdjson.h>

#include <chrono>
#include <ctime>

namespace sfsim::es {

namespace {

const std::string acknowledged = "{\"acknowledged\":true}";

reply error_reply(const rest_error& e) { return es_reply(e.status, render_rest_error(e)); }

std::string method_not_allowed(const request& req, std::string_view allowed) {
  return render_string_error("Incorrect HTTP method for uri [" + std::string(req.target()) + "] and method [" +
                                 std::string(req.method_string()) + "], allowed: [" + std::string(allowed) + "]",
                             405);
}

bool is_write(http::verb m) { return m == http::verb::put || m == http::verb::post; }
bool is_read(http::verb m) { return m == http::verb::get || m == http::verb::head; }

std::string now_rfc3339() { return sf::time::format_rfc3339(std::chrono::system_clock::now(), 3); }

// "30d", "12h", "5m", "10s", "100ms" in milliseconds; nullopt if it is not a time value.
std::optional<std::int64_t> parse_millis(std::string_view s) {
  std::size_t i = 0;
  std::int64_t n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') n = n * 10 + (s[i++] - '0');
  if (i == 0) return std::nullopt;
  const std::string_view unit = s.substr(i);
  if (unit == "ms") return n;
  if (unit == "s") return n * 1000;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  if (unit == "d") return n * 86'400'000;
  return std::nullopt;
}

}  // namespace

std::optional<reply> es_sim::denied(std::string_view action, std::string_view privilege) {
  if (privileges_.holds(privilege)) return std::nullopt;
  return error_reply(privileges_.cluster_denied(action, privilege, user_));
}

reply es_sim::index_not_found(std::string_view name, const media_ok& media) const {
  rest_error e{404, "index_not_found_exception", "no such index [" + std::string(name) + "]", {}};
  e.extra = {{"resource.type", "\"index_or_alias\""},
             {"resource.id", json_string(name)},
             {"index_uuid", "\"_na_\""},
             {"index", json_string(name)}};
  return es_reply(404, render_rest_error(e), response_content_type(media));
}

reply es_sim::component_template(request& req, std::string_view name, const media_ok& media) {
  const auto method = req.method();
  if (is_write(method)) {
    if (auto d = denied("cluster:admin/component_template/put", "manage_index_templates")) return std::move(*d);
    if (name == "*" || name.find('*') != std::string_view::npos)
      return error_reply({400, "invalid_index_template_exception",
                          "index_template [" + std::string(name) + "] invalid, cause [Validation Failed: 1: name must not contain a '*';]",
                          {}});
    if (auto err = templates_.put_component(name, req.body())) return error_reply(*err);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  if (method == http::verb::delete_) {
    if (auto d = denied("cluster:admin/component_template/delete", "manage_index_templates")) return std::move(*d);
    if (auto err = templates_.remove_component(name)) return error_reply(*err);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  if (!is_read(method)) return es_reply(405, method_not_allowed(req, "HEAD, DELETE, GET, PUT, POST"));
  const auto found = templates_.find_components(name);
  if (found.empty() && name.find('*') == std::string_view::npos)
    return error_reply({404, "resource_not_found_exception",
                        "component template matching [" + std::string(name) + "] not found", {}});
  return es_reply(200, named_list_json("component_templates", "component_template", found), response_content_type(media));
}

reply es_sim::ilm_policy(request& req, std::string_view name, const media_ok& media) {
  const auto method = req.method();
  if (method == http::verb::put) {
    if (auto d = denied("cluster:admin/ilm/put", "manage_ilm")) return std::move(*d);
    if (auto err = ilm_.put(name, req.body(), now_rfc3339())) return error_reply(*err);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  if (method == http::verb::delete_) {
    if (auto d = denied("cluster:admin/ilm/delete", "manage_ilm")) return std::move(*d);
    if (auto err = ilm_.remove(name)) return error_reply(*err);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  if (method != http::verb::get) return es_reply(405, method_not_allowed(req, "GET, PUT, DELETE"));
  const auto found = ilm_.find(name);
  if (found.empty() && name.find('*') == std::string_view::npos)
    return error_reply({404, "resource_not_found_exception",
                        "Lifecycle policy not found: [" + std::string(name) + "]", {}});
  std::string body = "{";
  for (std::size_t i = 0; i < found.size(); ++i) {
    const sfsim::es::ilm_policy& p = *found[i];
    // in_use_by: what points at the policy through index.lifecycle.name, as the cluster reports it.
    std::string indices, streams, templates;
    for (const auto& [n, idx] : store_.all()) {
      bool stream_uses = false;
      for (const auto& g : idx.generations)
        if (setting_or(g.settings, "index.lifecycle.name") == p.name) {
          indices += (indices.empty() ? "" : ",") + json_string(g.name);
          stream_uses = true;
        }
      if (idx.data_stream && stream_uses) streams += (streams.empty() ? "" : ",") + json_string(n);
    }
    for (const auto* t : templates_.find("*"))
      if (setting_or(templates_.resolve(t->patterns.empty() ? "" : t->patterns.front()).settings,
                     "index.lifecycle.name") == p.name)
        templates += (templates.empty() ? "" : ",") + json_string(t->name);
    if (i) body += ',';
    append_json_string(body, p.name);
    body += ":{\"version\":" + std::to_string(p.version) + ",\"modified_date\":" + json_string(p.modified_date) +
            ",\"policy\":" + p.policy + ",\"in_use_by\":{\"indices\":[" + indices + "],\"data_streams\":[" +
            streams + "],\"composable_templates\":[" + templates + "]}}";
  }
  body += "}";
  return es_reply(200, std::move(body), response_content_type(media));
}

reply es_sim::ingest_pipeline(request& req, std::string_view id, const media_ok& media) {
  const auto method = req.method();
  if (method == http::verb::put) {
    if (auto d = denied("cluster:admin/ingest/pipeline/put", "manage_pipeline")) return std::move(*d);
    if (auto err = pipelines_.put(id, req.body())) return error_reply(*err);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  if (method == http::verb::delete_) {
    if (auto d = denied("cluster:admin/ingest/pipeline/delete", "manage_pipeline")) return std::move(*d);
    if (auto err = pipelines_.remove(id)) return error_reply(*err);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  if (method != http::verb::get) return es_reply(405, method_not_allowed(req, "GET, PUT, DELETE"));
  const auto found = pipelines_.find(id);
  std::string body = "{";
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i) body += ',';
    append_json_string(body, found[i]->id);
    body += ':' + found[i]->body;
  }
  body += '}';
  // A pipeline that does not exist: 404 with an empty object, as Elasticsearch answers.
  return es_reply(found.empty() && id.find('*') == std::string_view::npos ? 404 : 200, std::move(body),
                  response_content_type(media));
}

reply es_sim::data_stream(request& req, std::string_view name, const media_ok& media) {
  const auto method = req.method();
  if (method == http::verb::put) {
    if (const index_data* existing = store_.find(name))
      return error_reply({400, "resource_already_exists_exception",
                          (existing->data_stream ? "data_stream [" : "index [") + std::string(name) + "] already exists",
                          {}});
    if (auto bad = invalid_index_name(name))
      return error_reply({400, "invalid_index_name_exception", *bad, {}});
    if (!templates_.is_data_stream(name))
      return error_reply({400, "illegal_argument_exception",
                          "no matching index template found for data stream [" + std::string(name) + "]", {}});
    store_.create_target(name);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  std::vector<const index_data*> hit;
  for (const auto& [n, idx] : store_.all())
    if (idx.data_stream && name_list_match(name, n)) hit.push_back(&idx);
  if (hit.empty() && name.find('*') == std::string_view::npos && name != "_all")
    return index_not_found(name, media);
  if (method == http::verb::delete_) {
    std::vector<std::string> names;
    for (const auto* d : hit) names.push_back(d->name);
    for (const auto& n : names) store_.remove_target(n);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  if (!is_read(method)) return es_reply(405, method_not_allowed(req, "GET, PUT, DELETE"));
  std::string body = "{\"data_streams\":[";
  for (std::size_t i = 0; i < hit.size(); ++i) {
    const index_data& d = *hit[i];
    const std::string policy = setting_or(d.write().settings, "index.lifecycle.name");
    const bool has_lifecycle = !d.lifecycle.empty();
    const std::string managed_by = !policy.empty()  ? "Index Lifecycle Management"
                                   : has_lifecycle ? "Data stream lifecycle"
                                                   : "Unmanaged";
    if (i) body += ',';
    body += "{\"name\":" + json_string(d.name) + ",\"timestamp_field\":{\"name\":\"@timestamp\"},\"indices\":[";
    for (std::size_t g = 0; g < d.generations.size(); ++g) {
      const auto& ci = d.generations[g];
      const std::string ci_policy = setting_or(ci.settings, "index.lifecycle.name");
      if (g) body += ',';
      body += "{\"index_name\":" + json_string(ci.name) + ",\"index_uuid\":" + json_string(ci.uuid) +
              ",\"prefer_ilm\":true";
      if (!ci_policy.empty()) body += ",\"ilm_policy\":" + json_string(ci_policy);
      body += ",\"managed_by\":" + json_string(managed_by) + "}";
    }
    body += "],\"generation\":" + std::to_string(d.generations.size()) + ",\"status\":\"GREEN\"";
    if (!d.template_name.empty()) body += ",\"template\":" + json_string(d.template_name);
    if (has_lifecycle) body += ",\"lifecycle\":" + d.lifecycle;
    if (!policy.empty()) body += ",\"ilm_policy\":" + json_string(policy);
    body += ",\"next_generation_managed_by\":" + json_string(managed_by) +
            ",\"prefer_ilm\":true,\"hidden\":false,\"system\":false,\"allow_custom_routing\":false,"
            "\"replicated\":false,\"rollover_on_write\":false}";
  }
  body += "]}";
  return es_reply(200, std::move(body), response_content_type(media));
}

reply es_sim::get_mapping(std::string_view target, const media_ok& media) {
  std::vector<const concrete_index*> hit;
  for (std::string_view rest = target; !rest.empty();) {
    const auto comma = rest.find(',');
    const auto name = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const bool all = name == "_all" || name == "*";
    if (all || name.find('*') != std::string_view::npos) {
      for (const auto& [n, idx] : store_.all())
        for (const auto& g : idx.generations)
          if (all || glob_match(name, n) || glob_match(name, g.name)) hit.push_back(&g);
      continue;
    }
    const index_data* idx = store_.find(name);
    if (idx == nullptr) return index_not_found(name, media);
    if (const concrete_index* ci = store_.find_concrete(name); ci != nullptr && idx->data_stream)
      hit.push_back(ci);
    else
      for (const auto& g : idx->generations) hit.push_back(&g);
  }
  std::sort(hit.begin(), hit.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  hit.erase(std::unique(hit.begin(), hit.end()), hit.end());
  std::string body = "{";
  for (std::size_t i = 0; i < hit.size(); ++i) {
    if (i) body += ',';
    append_json_string(body, hit[i]->name);
    body += ":{\"mappings\":" + hit[i]->mapping.render() + "}";
  }
  body += '}';
  return es_reply(200, std::move(body), response_content_type(media));
}

reply es_sim::index_admin(request& req, std::string_view name, const media_ok& media) {
  const index_data* existing = store_.find(name);
  if (req.method() == http::verb::delete_) {
    if (existing == nullptr) return index_not_found(name, media);
    if (existing->data_stream)
      return error_reply({400, "illegal_argument_exception",
                          "index [" + std::string(name) + "] is the write index for data stream [" + existing->name +
                              "] and cannot be deleted"});
    store_.remove_target(name);
    return es_reply(200, acknowledged, response_content_type(media));
  }
  if (existing != nullptr) {
    rest_error e{400, "resource_already_exists_exception",
                 "index [" + std::string(name) + "/" + existing->write().uuid + "] already exists"};
    e.extra = {{"index_uuid", json_string(existing->write().uuid)}, {"index", json_string(name)}};
    return error_reply(e);
  }
  if (auto bad = invalid_index_name(name)) return error_reply({400, "invalid_index_name_exception", *bad});
  if (templates_.is_data_stream(name))
    return error_reply({400, "illegal_argument_exception",
                        "cannot create index with name [" + std::string(name) + "], because it matches with template [" +
                            templates_.match(name)->name +
                            "] that creates data streams only, use create data stream api instead"});
  std::string settings, mappings;
  if (!req.body().empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto ec = parser.parse(req.body()).get(root))
      return error_reply({400, "x_content_parse_exception", "[1:1] Failed to parse: " + std::string(simdjson::error_message(ec))});
    if (!root.is_object()) return error_reply({400, "x_content_parse_exception", "[1:1] Expected START_OBJECT"});
    for (const auto f : as_object(root)) {
      if (f.key == "settings" && f.value.is_object()) settings = simdjson::minify(f.value);
      else if (f.key == "mappings" && f.value.is_object()) mappings = simdjson::minify(f.value);
      else if (f.key == "aliases")
        return error_reply({400, "illegal_argument_exception", "es-sim does not support aliases"});
      else
        return error_reply({400, "parse_exception", "unknown key [" + std::string(f.key) + "] for create index"});
    }
    if (!mappings.empty()) {
      index_mapping probe;
      if (auto e = probe.merge(mappings, cfg_.flavor())) return error_reply(mapping_rest_error(*e, cfg_.flavor()));
    }
  }
  store_.create_target(name, settings, mappings);
  return es_reply(200,
                  "{\"acknowledged\":true,\"shards_acknowledged\":true,\"index\":" + json_string(name) + "}",
                  response_content_type(media));
}

reply es_sim::rollover(request& req, std::string_view target, const query_params& q, const media_ok& media) {
  const index_data* idx = store_.find(target);
  if (idx == nullptr)
    return error_reply({400, "illegal_argument_exception", "rollover target [" + std::string(target) + "] does not exist", {}});
  if (!idx->data_stream)
    return error_reply({400, "illegal_argument_exception",
                        "rollover target is a [concrete index] but one of [alias,data_stream] was expected", {}});
  bool dry_run = false;
  for (const auto& [k, v] : q)
    if (k == "dry_run") dry_run = v.empty() || v == "true";
  // Conditions: none means roll over now; with some, any one met is enough.
  std::vector<std::pair<std::string, bool>> conditions;
  if (!req.body().empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto ec = parser.parse(req.body()).get(root))
      return error_reply({400, "x_content_parse_exception", "[1:1] Failed to parse: " + std::string(simdjson::error_message(ec)), {}});
    if (!root.is_object()) return error_reply({400, "x_content_parse_exception", "[1:1] [rollover] Expected START_OBJECT", {}});
    for (const auto f : as_object(root)) {
      if (f.key == "mappings" || f.key == "settings" || f.key == "aliases") continue;
      if (f.key != "conditions")
        return error_reply({400, "x_content_parse_exception", "[1:2] [rollover] unknown field [" + std::string(f.key) + "]", {}});
      if (!f.value.is_object())
        return error_reply({400, "x_content_parse_exception", "[1:2] [rollover] conditions doesn't support values of type: VALUE_STRING", {}});
      const concrete_index& w = idx->write();
      for (const auto c : as_object(f.value)) {
        const std::string text = c.value.is_string() ? std::string(c.value.get_string().value_unsafe()) : simdjson::minify(c.value);
        const std::string key = "[" + std::string(c.key) + ": " + text + "]";
        bool met = false;
        if (c.key == "max_docs" || c.key == "max_primary_shard_docs") {
          std::int64_t n = 0;
          if (c.value.get_int64().get(n)) return error_reply({400, "x_content_parse_exception", "[1:2] [conditions] failed to parse field [" + std::string(c.key) + "]", {}});
          met = static_cast<std::int64_t>(w.docs.size()) >= n;
        } else if (c.key == "max_age") {
          auto ms = parse_millis(text);
          if (!ms) return error_reply({400, "x_content_parse_exception", "[1:2] [conditions] failed to parse field [max_age]", {}});
          met = std::chrono::steady_clock::now() - w.created >= std::chrono::milliseconds(*ms);
        } else if (c.key == "max_size" || c.key == "max_primary_shard_size") {
          auto bytes = parse_byte_size(text);
          if (!std::holds_alternative<std::uint64_t>(bytes))
            return error_reply({400, "x_content_parse_exception", "[1:2] [conditions] failed to parse field [" + std::string(c.key) + "]", {}});
          met = w.source_bytes() >= std::get<std::uint64_t>(bytes);
        } else if (c.key.starts_with("min_")) {
          met = true;  // a minimum only holds back a maximum; es-sim treats it as met
        } else {
          return error_reply({400, "x_content_parse_exception", "[1:2] [conditions] unknown field [" + std::string(c.key) + "]", {}});
        }
        conditions.emplace_back(key, met);
      }
    }
  }
  bool met = conditions.empty();
  for (const auto& [k, m] : conditions) met = met || (m && !k.starts_with("[min_"));
  const rollover_result r = store_.rollover(target, met, dry_run);
  std::string body = std::string("{\"acknowledged\":") + (r.rolled_over ? "true" : "false") +
                     ",\"shards_acknowledged\":" + (r.rolled_over ? "true" : "false") +
                     ",\"old_index\":" + json_string(r.old_index) + ",\"new_index\":" + json_string(r.new_index) +
                     ",\"rolled_over\":" + (r.rolled_over ? "true" : "false") + ",\"dry_run\":" +
                     (dry_run ? "true" : "false") + ",\"lazy\":false,\"conditions\":{";
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    if (i) body += ',';
    append_json_string(body, conditions[i].first);
    body += conditions[i].second ? ":true" : ":false";
  }
  body += "}}";
  return es_reply(200, std::move(body), response_content_type(media));
}

reply es_sim::has_privileges(request& req, const media_ok& media) {
  auto r = privileges_.has_privileges(req.body(), user_);
  if (auto* e = std::get_if<rest_error>(&r)) return error_reply(*e);
  return es_reply(200, std::get<std::string>(std::move(r)), response_content_type(media));
}

}  // namespace sfsim::es
