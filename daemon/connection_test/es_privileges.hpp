// The privileges an Elasticsearch sink needs, asked of `_has_privileges`, and what the answer means.
#pragma once

#include "config/config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sf::connection_test {

struct privilege_request {
  std::vector<std::string> cluster;           // only for `setup` (template: true): monitor + what it would put
  std::vector<std::string> index_names;       // the data stream, or the index (a date pattern as its wildcard)
  std::vector<std::string> index_privileges;  // create_doc + auto_configure
};

// What shipping to `cfg` needs, and with `template: true` the cluster privileges for the kinds of object
// `setup` would put ("ingest pipeline", "lifecycle policy", "component template", "index template").
privilege_request required_privileges(const config::elasticsearch_sink_config& cfg,
                                      const std::vector<std::string>& setup_object_kinds);

// The body of POST /_security/user/_has_privileges: {"cluster":[...],"index":[{"names":[...],"privileges":[...]}]}
std::string has_privileges_body(const privilege_request& req);

struct privilege_answer {
  enum class kind {
    granted,          // has_all_requested
    missing,          // some are not held: `missing` names them
    no_security,      // the cluster has no security (404/400 on the API, 7.x's "must be explicitly enabled")
    unauthenticated,  // 401
    error,            // anything else: `error` says what
  } what = kind::error;
  std::string username;
  std::vector<std::string> held;     // "create_doc on logs-x", "cluster manage_ilm"
  std::vector<std::string> missing;  // the same form
  std::string error;
};

// Reads the answer to that request (`status` and body).
privilege_answer interpret_has_privileges(unsigned status, std::string_view body);

}  // namespace sf::connection_test
