// es-sim's request handling: routing, auth, the Elasticsearch REST endpoints and the /_sim/ control API.
#pragma once

#include "sim/common/http_server.hpp"
#include "sim/elasticsearch/auth.hpp"
#include "sim/elasticsearch/document_store.hpp"
#include "sim/elasticsearch/fault_plan.hpp"
#include "sim/elasticsearch/index_templates.hpp"
#include "sim/elasticsearch/media_type.hpp"

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sfsim::es {

struct server_config {
  std::string version = "8.15.0";
  std::uint64_t max_content_length = 100ULL * 1024 * 1024;  // applied after decompression
  credentials creds;
  std::vector<std::string> data_stream_patterns{"logs-*-*"};
  std::uint64_t seed = 1;
};

using query_params = std::vector<std::pair<std::string, std::string>>;
// Splits "a=1&b=x%2Cy" into decoded pairs.
query_params parse_query(std::string_view query);
// Percent-decoding; '+' is a space only in a query string.
std::string url_decode(std::string_view s, bool plus_is_space);

class es_sim {
 public:
  explicit es_sim(server_config cfg);

  // The http_server handler: synchronous, over in-memory state, on the one io_context thread.
  reply handle(request& req);

  fault_plan& faults() { return faults_; }
  const document_store& store() const { return store_; }
  std::string state_json() const;

 private:
  reply handle_es(request& req, std::string_view path, const query_params& q);
  reply handle_control(request& req, std::string_view path, const query_params& q);
  reply bulk(request& req, std::string_view target, const query_params& q, const media_ok& media);
  reply info(const request& req, const media_ok& media);
  reply count(std::string_view target, const media_ok& media);
  reply index_template(request& req, std::string_view name, const media_ok& media);
  reply unauthorized(std::string_view path, const auth_result& a);
  item_result injected_item(const bulk_action& a, const fault_rule& f) const;

  server_config cfg_;
  index_templates templates_;
  document_store store_;
  fault_plan faults_;
  simdjson::dom::parser action_parser_;
  simdjson::dom::parser filter_parser_;
  std::string cluster_uuid_;
  // Counters for /_sim/state.
  std::map<std::string, std::uint64_t> requests_;  // by HTTP status, or the transport fault
  std::map<std::string, std::uint64_t> items_;     // by result or error type
  std::uint64_t bulk_requests_ = 0;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t bytes_decoded_ = 0;
};

// A JSON (or other) answer with the headers every Elasticsearch response carries.
reply es_reply(int status, std::string body, std::string content_type = "application/json");

}  // namespace sfsim::es
