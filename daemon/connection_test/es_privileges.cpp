// _has_privileges for an Elasticsearch sink: the request from its config, the verdict from the answer.
#include "daemon/connection_test/es_privileges.hpp"

#include "common/json/json_escape.hpp"
#include "sinks/elasticsearch/setup_plan.hpp"

#include <simdjson.h>

#include <algorithm>

namespace sf::connection_test {
namespace {

void add_unique(std::vector<std::string>& v, std::string s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

void string_array(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    json::append_json_string(out, items[i]);
  }
  out += ']';
}

// The reason of an Elasticsearch error body ({"error":{"reason":..}} or {"error":".."}), or "".
std::string error_reason(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root)) return {};
  simdjson::dom::element err;
  if (root.at_key("error").get(err)) return {};
  std::string_view s;
  if (err.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  if (err.at_key("reason").get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return {};
}

}  // namespace

privilege_request required_privileges(const config::elasticsearch_sink_config& cfg,
                                      const std::vector<std::string>& setup_object_kinds) {
  privilege_request r;
  // create_doc writes; auto_configure is what a bulk write that creates its index or data stream is checked
  // for (create_index and manage include it, so a key granted those passes too). A date pattern makes a new
  // index each day: its wildcard is asked for.
  r.index_names = cfg.data_stream.empty() ? sinks::elasticsearch::names_for(cfg).index_patterns
                                          : std::vector<std::string>{cfg.data_stream};
  r.index_privileges = {"create_doc", "auto_configure"};
  if (cfg.template_install) {
    r.cluster.push_back("monitor");  // setup reads GET / first, to plan for the cluster's version
    for (const auto& kind : setup_object_kinds) {
      if (kind == "ingest pipeline") add_unique(r.cluster, "manage_pipeline");
      else if (kind == "lifecycle policy") add_unique(r.cluster, "manage_ilm");
      else if (kind == "component template" || kind == "index template") add_unique(r.cluster, "manage_index_templates");
    }
  }
  return r;
}

std::string has_privileges_body(const privilege_request& req) {
  std::string out = "{\"cluster\":";
  string_array(out, req.cluster);
  out += ",\"index\":[{\"names\":";
  string_array(out, req.index_names);
  out += ",\"privileges\":";
  string_array(out, req.index_privileges);
  out += "}]}";
  return out;
}

privilege_answer interpret_has_privileges(unsigned status, std::string_view body) {
  privilege_answer a;
  const std::string reason = status == 200 ? std::string() : error_reason(body);
  // Elasticsearch 8 without security has no such handler (400 "no handler found"); 7.x open source reads
  // the path as an index (400 invalid_index_name_exception, or 404); 7.x with security off says so (500).
  if (status == 404 || (status == 400 && (reason.find("no handler found") != std::string::npos ||
                                          reason.find("Invalid index name [_security]") != std::string::npos)) ||
      reason.find("Security must be explicitly enabled") != std::string::npos) {
    a.what = privilege_answer::kind::no_security;
    return a;
  }
  if (status == 401) {
    a.what = privilege_answer::kind::unauthenticated;
    a.error = reason;
    return a;
  }
  if (status != 200) {
    a.error = "HTTP " + std::to_string(status) + (reason.empty() ? std::string() : ": " + reason);
    return a;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool all = false;
  if (parser.parse(body.data(), body.size()).get(root) || !root.is_object() ||
      root.at_key("has_all_requested").get_bool().get(all)) {
    a.error = "the _has_privileges answer is not what Elasticsearch sends";
    return a;
  }
  std::string_view user;
  if (root.at_key("username").get_string().get(user) == simdjson::SUCCESS) a.username = std::string(user);
  auto note = [&](bool held, std::string what) { (held ? a.held : a.missing).push_back(std::move(what)); };
  simdjson::dom::object cluster;
  if (root.at_key("cluster").get_object().get(cluster) == simdjson::SUCCESS)
    for (auto [name, value] : cluster) {
      bool held = false;
      if (value.get_bool().get(held) == simdjson::SUCCESS) note(held, "cluster " + std::string(name));
    }
  simdjson::dom::object index;
  if (root.at_key("index").get_object().get(index) == simdjson::SUCCESS)
    for (auto [index_name, privs] : index) {
      simdjson::dom::object p;
      if (privs.get_object().get(p)) continue;
      for (auto [priv, value] : p) {
        bool held = false;
        if (value.get_bool().get(held) == simdjson::SUCCESS)
          note(held, std::string(priv) + " on " + std::string(index_name));
      }
    }
  a.what = all && a.missing.empty() ? privilege_answer::kind::granted : privilege_answer::kind::missing;
  return a;
}

}  // namespace sf::connection_test
