// es-sim's request handling: routing, auth, the Elasticsearch REST endpoints and the /_sim/ control API.
#pragma once

#include "sim/common/http_server.hpp"
#include "sim/elasticsearch/auth.hpp"
#include "sim/elasticsearch/document_store.hpp"
#include "sim/elasticsearch/fault_plan.hpp"
#include "sim/elasticsearch/ilm_policies.hpp"
#include "sim/elasticsearch/index_templates.hpp"
#include "sim/elasticsearch/ingest_pipelines.hpp"
#include "sim/elasticsearch/media_type.hpp"
#include "sim/elasticsearch/privileges.hpp"

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <optional>
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
  // Built-in logs@* templates and the `logs` ILM policy; nullopt: as the release has them (8.x yes, 7.x no).
  std::optional<bool> builtin_templates;
  bool xpack = true;  // false: an open-source cluster (no _ilm, _security, flattened, constant_keyword)
  bool security = true;  // false: xpack.security.enabled: false (no _security APIs, no credentials checked)
  std::uint64_t rollover_max_docs = 0;
  std::vector<std::string> lacking_privileges;
  cluster_flavor flavor() const;
  bool builtins() const { return builtin_templates.value_or(flavor().major >= 8) && xpack; }
  // Elasticsearch names itself in `X-elastic-product: Elasticsearch` from 7.14 on; older releases send none.
  bool sends_product_header() const;
};

using query_params = std::vector<std::pair<std::string, std::string>>;
// Splits "a=1&b=x%2Cy" into decoded pairs.
query_params parse_query(std::string_view query);

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
  // Cluster management (management_api.cpp).
  reply component_template(request& req, std::string_view name, const media_ok& media);
  reply ilm_policy(request& req, std::string_view name, const media_ok& media);
  reply ingest_pipeline(request& req, std::string_view id, const media_ok& media);
  reply data_stream(request& req, std::string_view name, const media_ok& media);
  reply get_mapping(std::string_view target, const media_ok& media);
  reply index_admin(request& req, std::string_view name, const media_ok& media);
  reply rollover(request& req, std::string_view target, const query_params& q, const media_ok& media);
  reply has_privileges(request& req, const media_ok& media);
  std::optional<reply> denied(std::string_view action, std::string_view privilege);
  reply index_not_found(std::string_view name, const media_ok& media) const;
  reply unauthorized(std::string_view path, const auth_result& a);
  item_result injected_item(const bulk_action& a, const fault_rule& f) const;

  server_config cfg_;
  index_templates templates_;
  ingest_pipelines pipelines_;
  ilm_policies ilm_;
  privileges privileges_;
  document_store store_;
  std::string user_ = "es-sim";  // the authenticated principal of the request being handled
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
