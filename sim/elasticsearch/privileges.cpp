// Security privileges the simulated key holds: _has_privileges answers, and which requests they refuse.
#include "sim/elasticsearch/privileges.hpp"
#include "sim/elasticsearch/dom_util.hpp"

#include "sim/elasticsearch/json_text.hpp"

#include <simdjson.h>

#include <algorithm>

namespace sfsim::es {

namespace {

bool in(std::string_view s, std::initializer_list<std::string_view> l) {
  return std::find(l.begin(), l.end(), s) != l.end();
}

// Whether holding `broad` grants `narrow` (Elasticsearch's privilege hierarchy, the part es-sim uses).
bool includes(std::string_view broad, std::string_view narrow) {
  if (broad == narrow || broad == "all") return true;
  if (broad == "manage") return narrow.starts_with("manage_") || narrow.starts_with("monitor") || narrow == "auto_configure" || narrow == "create_index";
  if (broad == "write") return in(narrow, {"create_doc", "create", "index", "delete", "auto_configure"});
  if (broad == "index") return in(narrow, {"create", "create_doc"});
  if (broad == "create") return narrow == "create_doc";
  if (broad == "monitor") return narrow.starts_with("monitor");
  return false;
}

rest_error validation(std::string reason) {
  return {400, "action_request_validation_exception", "Validation Failed: 1: " + std::move(reason) + ";", {}};
}

}  // namespace

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto name = trim(list.substr(0, comma));
    if (!name.empty()) out.emplace_back(name);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return out;
}

bool privileges::holds(std::string_view name) const {
  for (const auto& l : lacking_)
    if (includes(name, l)) return false;
  return true;
}

rest_error privileges::cluster_denied(std::string_view action, std::string_view privilege,
                                      std::string_view username) const {
  return {403, "security_exception",
          "action [" + std::string(action) + "] is unauthorized for user [" + std::string(username) +
              "] with effective roles [es-sim], this action is granted by the cluster privileges [" +
              std::string(privilege) + ",manage,all]",
          {}};
}

std::variant<std::string, rest_error> privileges::has_privileges(std::string_view body,
                                                                 std::string_view username) const {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (body.empty()) return validation("must specify at least one privilege");
  if (auto ec = parser.parse(body.data(), body.size()).get(root))
    return rest_error{400, "x_content_parse_exception", "[1:1] Failed to parse: " + std::string(simdjson::error_message(ec)), {}};
  if (!root.is_object()) return rest_error{400, "x_content_parse_exception", "[1:1] Expected START_OBJECT", {}};
  bool all = true;
  bool any = false;
  std::string cluster = "{";
  std::string index = "{";
  for (const auto f : as_object(root)) {
    if (f.key == "cluster") {
      if (!f.value.is_array()) return rest_error{400, "x_content_parse_exception", "[1:2] [cluster] must be an array", {}};
      for (const auto p : as_array(f.value)) {
        std::string_view name;
        if (p.get_string().get(name)) continue;
        any = true;
        const bool ok = holds(name);
        all = all && ok;
        if (cluster.size() > 1) cluster += ',';
        append_json_string(cluster, name);
        cluster += ok ? ":true" : ":false";
      }
    } else if (f.key == "index") {
      if (!f.value.is_array()) return rest_error{400, "x_content_parse_exception", "[1:2] [index] must be an array", {}};
      for (const auto entry : as_array(f.value)) {
        simdjson::dom::element names, privs;
        if (entry.at_key("names").get(names) || entry.at_key("privileges").get(privs))
          return validation("privileges must not be null");
        std::vector<std::string_view> name_list, priv_list;
        std::string_view s;
        if (names.get_string().get(s) == simdjson::SUCCESS) name_list.push_back(s);
        else if (names.is_array())
          for (const auto n : as_array(names))
            if (n.get_string().get(s) == simdjson::SUCCESS) name_list.push_back(s);
        if (privs.is_array())
          for (const auto p : as_array(privs))
            if (p.get_string().get(s) == simdjson::SUCCESS) priv_list.push_back(s);
        if (name_list.empty()) return validation("indices required");
        if (priv_list.empty()) return validation("privileges required");
        for (const auto n : name_list) {
          if (index.size() > 1) index += ',';
          append_json_string(index, n);
          index += ":{";
          for (std::size_t i = 0; i < priv_list.size(); ++i) {
            any = true;
            const bool ok = holds(priv_list[i]);
            all = all && ok;
            if (i) index += ',';
            append_json_string(index, priv_list[i]);
            index += ok ? ":true" : ":false";
          }
          index += '}';
        }
      }
    } else if (f.key != "application") {
      return rest_error{400, "x_content_parse_exception",
                        "[1:2] [has_privileges_request] unknown field [" + std::string(f.key) + "]", {}};
    }
  }
  if (!any) return validation("must specify at least one privilege");
  std::string out = "{\"username\":" + json_string(username) + ",\"has_all_requested\":" + (all ? "true" : "false") +
                    ",\"cluster\":" + cluster + "},\"index\":" + index + "},\"application\":{}}";
  return out;
}

}  // namespace sfsim::es
