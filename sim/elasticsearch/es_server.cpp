// es-sim's request handling: routing, auth, the Elasticsearch REST endpoints and the /_sim/ control API.
#include "sim/elasticsearch/es_server.hpp"

#include "sim/elasticsearch/body_decoder.hpp"
#include "sim/elasticsearch/builtin_templates.hpp"
#include "sim/elasticsearch/bulk_request.hpp"
#include "sim/elasticsearch/bulk_response.hpp"
#include "sim/elasticsearch/filter_path.hpp"
#include "common/text/glob.hpp"
#include "common/text/percent_encoding.hpp"
#include "sim/elasticsearch/json_text.hpp"

#include <array>
#include <charconv>
#include <chrono>

namespace sfsim::es {

namespace {

constexpr std::array<std::string_view, 16> bulk_params{"filter_path",
                                                       "pipeline",
                                                       "refresh",
                                                       "routing",
                                                       "timeout",
                                                       "wait_for_active_shards",
                                                       "_source",
                                                       "_source_excludes",
                                                       "_source_includes",
                                                       "require_alias",
                                                       "require_data_stream",
                                                       "list_executed_pipelines",
                                                       "pretty",
                                                       "human",
                                                       "error_trace",
                                                       "type"};

std::string_view param(const query_params& q, std::string_view name) {
  for (const auto& [k, v] : q)
    if (k == name) return v;
  return {};
}

bool has_param(const query_params& q, std::string_view name) {
  for (const auto& [k, v] : q)
    if (k == name) return true;
  return false;
}

reply with_filter(reply r, const query_params& q, simdjson::dom::parser& parser) {
  if (has_param(q, "filter_path"))
    r.res.body() = apply_filter_path(r.res.body(), param(q, "filter_path"), parser);
  return r;
}

}  // namespace

query_params parse_query(std::string_view query) {
  query_params out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    out.emplace_back(sf::text::percent_decode_lenient(pair.substr(0, eq), sf::text::plus_sign::space),
                     eq == std::string_view::npos
                         ? std::string()
                         : sf::text::percent_decode_lenient(pair.substr(eq + 1), sf::text::plus_sign::space));
  }
  return out;
}

reply es_reply(int status, std::string body, std::string content_type) {
  reply r;
  r.res.result(static_cast<unsigned>(status));
  if (!body.empty() || content_type != "application/json") r.res.set(http::field::content_type, content_type);
  r.res.body() = std::move(body);
  return r;
}

cluster_flavor server_config::flavor() const {
  cluster_flavor f;
  f.major = version.starts_with("7.") ? 7 : version.starts_with("6.") ? 6 : 8;
  f.xpack = xpack;
  return f;
}

bool server_config::sends_product_header() const {
  // "7.14.0" and later; a version that does not read as MAJOR.MINOR is taken as the 8.x default.
  int major = 0, minor = 0;
  const char* end = version.data() + version.size();
  auto [p, ec] = std::from_chars(version.data(), end, major);
  if (ec != std::errc{} || p == end || *p != '.') return true;
  if (std::from_chars(p + 1, end, minor).ec != std::errc{}) return true;
  return major > 7 || (major == 7 && minor >= 14);
}

es_sim::es_sim(server_config cfg)
    : cfg_(std::move(cfg)),
      templates_(cfg_.data_stream_patterns, cfg_.builtins(), cfg_.flavor()),
      store_(templates_, pipelines_, store_options{cfg_.flavor(), cfg_.seed, cfg_.rollover_max_docs}),
      faults_(cfg_.seed),
      cluster_uuid_("es-sim-" + std::to_string(cfg_.seed) + "-Ld9yKxQ5SgGm0c4b1qYc") {
  privileges_.set_lacking(cfg_.lacking_privileges);
  if (cfg_.builtins())
    for (const auto& [name, policy] : builtin_ilm_policies())
      ilm_.put(name, "{\"policy\":" + policy + "}", "2024-08-05T10:05:34.233Z");
}

reply es_sim::handle(request& req) {
  const std::string_view target = req.target();
  const auto qmark = target.find('?');
  const std::string path = sf::text::percent_decode_lenient(target.substr(0, qmark), sf::text::plus_sign::literal);
  const query_params q =
      parse_query(qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1));
  if (path == "/_sim" || path.starts_with("/_sim/")) return handle_control(req, path, q);
  reply r = handle_es(req, path, q);
  if (cfg_.sends_product_header()) r.res.set("X-elastic-product", "Elasticsearch");
  if (r.how == delivery::reset_before_response)
    ++requests_["reset"];
  else
    ++requests_[std::to_string(r.res.result_int())];
  if (req.method() == http::verb::head) r.res.body().clear();
  return r;
}

reply es_sim::unauthorized(std::string_view path, const auth_result& a) {
  std::string reason;
  if (a.outcome == auth_outcome::missing)
    reason = "missing authentication credentials for REST request [" + std::string(path) + "]";
  else if (!a.principal.empty())
    reason = "unable to authenticate user [" + a.principal + "] for REST request [" + std::string(path) + "]";
  else
    reason =
        "unable to authenticate with provided credentials and anonymous access is not allowed for this "
        "request";
  static constexpr std::array<std::string_view, 3> challenges{"Basic realm=\"security\", charset=\"UTF-8\"",
                                                              "Bearer realm=\"security\"", "ApiKey"};
  std::string header_json = "{\"WWW-Authenticate\":[";
  for (std::size_t i = 0; i < challenges.size(); ++i)
    header_json += (i ? "," : "") + json_string(challenges[i]);
  header_json += "]}";
  rest_error e{401, "security_exception", reason, {{"header", header_json}}};
  reply r = es_reply(401, render_rest_error(e));
  for (const auto c : challenges) r.res.insert(http::field::www_authenticate, c);
  return r;
}

reply es_sim::handle_es(request& req, std::string_view path, const query_params& q) {
  std::vector<std::string_view> auth_headers;
  for (auto it = req.find(http::field::authorization);
       it != req.end() && it->name() == http::field::authorization; ++it)
    auth_headers.push_back(it->value());
  // Beast keeps repeated fields together, but count() is the reliable way to see a second header.
  if (req.count(http::field::authorization) > 1)
    auth_headers.resize(std::max<std::size_t>(2, auth_headers.size()));
  const auth_result a = check_auth(cfg_.creds, auth_headers);
  if (a.outcome == auth_outcome::several_headers)
    return es_reply(
        400,
        render_rest_error(
            {400, "illegal_argument_exception", "multiple [Authorization] headers are not allowed", {}}));
  if (a.outcome != auth_outcome::ok) return unauthorized(path, a);
  // _has_privileges names the user: the Basic user when the request used Basic, else the key's owner.
  user_ = "es-sim";
  if (!auth_headers.empty() && cfg_.creds.basic && iequals(auth_headers.front().substr(0, 6), "Basic "))
    user_ = cfg_.creds.basic->substr(0, cfg_.creds.basic->find(':'));

  const bool has_body = !req.body().empty();
  // Before 8.0 there is no REST compatibility: the vendor media types are just unknown content types.
  if (cfg_.flavor().major < 8 && req[http::field::content_type].find("vnd.elasticsearch") != std::string_view::npos)
    return es_reply(406, render_string_error("Content-Type header [" + std::string(req[http::field::content_type]) +
                                                 "] is not supported",
                                             406));
  auto media_check = check_media(req[http::field::content_type], req[http::field::accept], has_body);
  if (auto* rej = std::get_if<media_rejection>(&media_check)) return es_reply(rej->status, rej->body);
  const media_ok media = std::get<media_ok>(media_check);
  const http::verb method = req.method();
  const std::string method_name(req.method_string());

  // Split "/a/b/c" into segments.
  std::vector<std::string_view> seg;
  for (std::string_view rest = path; !rest.empty();) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    const auto slash = rest.find('/');
    seg.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  auto not_allowed = [&](std::string_view allowed) {
    return es_reply(405, render_string_error("Incorrect HTTP method for uri [" + std::string(req.target()) +
                                                 "] and method [" + method_name + "], allowed: [" +
                                                 std::string(allowed) + "]",
                                             405));
  };

  if (seg.empty()) {
    if (method == http::verb::get || method == http::verb::head)
      return with_filter(info(req, media), q, filter_parser_);
    return not_allowed("HEAD, GET");
  }
  const bool is_bulk = (seg.size() == 1 && seg[0] == "_bulk") || (seg.size() == 2 && seg[1] == "_bulk");
  if (is_bulk) {
    if (method != http::verb::post && method != http::verb::put) return not_allowed("POST, PUT");
    return bulk(req, seg.size() == 2 ? seg[0] : std::string_view{}, q, media);
  }
  const bool is_count = (seg.size() == 1 && seg[0] == "_count") || (seg.size() == 2 && seg[1] == "_count");
  if (is_count) {
    if (method != http::verb::get && method != http::verb::post) return not_allowed("GET, POST");
    return with_filter(count(seg.size() == 2 ? seg[0] : std::string_view{}, media), q, filter_parser_);
  }
  const std::string_view name1 = seg.size() >= 2 ? seg[1] : std::string_view("*");
  if (seg[0] == "_index_template" && seg.size() <= 2)
    return with_filter(index_template(req, name1, media), q, filter_parser_);
  if (seg[0] == "_component_template" && seg.size() <= 2)
    return with_filter(component_template(req, name1, media), q, filter_parser_);
  if (seg[0] == "_ingest" && seg.size() >= 2 && seg.size() <= 3 && seg[1] == "pipeline")
    return with_filter(ingest_pipeline(req, seg.size() == 3 ? seg[2] : std::string_view("*"), media), q,
                       filter_parser_);
  const bool has_data_streams = cfg_.xpack || cfg_.flavor().major >= 8;  // a module in 8.x, x-pack in 7.x
  if (seg[0] == "_data_stream" && seg.size() <= 2 && has_data_streams)
    return with_filter(data_stream(req, name1, media), q, filter_parser_);
  if (cfg_.xpack && seg[0] == "_ilm" && seg.size() >= 2 && seg.size() <= 3 && seg[1] == "policy")
    return with_filter(ilm_policy(req, seg.size() == 3 ? seg[2] : std::string_view("*"), media), q,
                       filter_parser_);
  // Without security (x-pack off, or xpack.security.enabled: false) Elasticsearch 8 registers no _security
  // handlers: the request falls through to "no handler found" below.
  if (cfg_.xpack && cfg_.security && seg.size() == 3 && seg[0] == "_security" && seg[1] == "user" &&
      seg[2] == "_has_privileges") {
    if (method != http::verb::get && method != http::verb::post) return not_allowed("GET, POST");
    return with_filter(has_privileges(req, media), q, filter_parser_);
  }
  if ((seg.size() == 1 && seg[0] == "_mapping") || (seg.size() == 2 && seg[1] == "_mapping")) {
    if (method != http::verb::get && method != http::verb::head) return not_allowed("GET, HEAD, PUT, POST");
    return with_filter(get_mapping(seg.size() == 2 ? seg[0] : std::string_view("_all"), media), q, filter_parser_);
  }
  if (seg.size() == 1 && !seg[0].starts_with('_') && (method == http::verb::put || method == http::verb::delete_))
    return with_filter(index_admin(req, seg[0], media), q, filter_parser_);
  if (seg.size() >= 2 && seg.size() <= 3 && seg[1] == "_rollover" && !seg[0].starts_with('_')) {
    if (method != http::verb::post) return not_allowed("POST");
    return with_filter(rollover(req, seg[0], q, media), q, filter_parser_);
  }
  return es_reply(400, render_string_error("no handler found for uri [" + std::string(req.target()) +
                                               "] and method [" + method_name + "]",
                                           400));
}

reply es_sim::info(const request& req, const media_ok& media) {
  std::string body =
      "{\"name\":\"es-sim\",\"cluster_name\":\"es-sim\",\"cluster_uuid\":" + json_string(cluster_uuid_) +
      ",\"version\":{\"number\":" + json_string(cfg_.version) +
      ",\"build_flavor\":\"default\",\"build_type\":\"docker\",\"build_hash\":"
      "\"1a77947f34deddb41af25e6f0ddb8e830159c179\",\"build_date\":\"2024-08-05T10:05:34.233336849Z\","
      "\"build_snapshot\":false,\"lucene_version\":\"9.11.1\",\"minimum_wire_compatibility_version\":"
      "\"7.17.0\",\"minimum_index_compatibility_version\":\"7.0.0\"},\"tagline\":\"You Know, for "
      "Search\"}";
  return es_reply(200, std::move(body), response_content_type(media));
}

reply es_sim::count(std::string_view target, const media_ok& media) {
  std::uint64_t n = 0;
  std::size_t shards = 0;
  if (target.empty() || target == "_all" || target == "*") {
    n = store_.documents();
    shards = store_.all().size();
  } else {
    std::string_view rest = target;
    std::vector<const index_data*> hit;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto name = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (name.find('*') != std::string_view::npos) {
        for (const auto& [idx_name, idx] : store_.all()) {
          bool backing = false;
          for (const auto& g : idx.generations) backing = backing || glob_match(name, g.name);
          if (glob_match(name, idx_name) || backing) hit.push_back(&idx);
        }
        continue;
      }
      const index_data* idx = store_.find(name);
      if (idx == nullptr) {
        rest_error e{404, "index_not_found_exception", "no such index [" + std::string(name) + "]", {}};
        e.extra = {{"resource.type", "\"index_or_alias\""},
                   {"resource.id", json_string(name)},
                   {"index_uuid", "\"_na_\""},
                   {"index", json_string(name)}};
        return es_reply(404, render_rest_error(e), response_content_type(media));
      }
      hit.push_back(idx);
    }
    std::sort(hit.begin(), hit.end());
    hit.erase(std::unique(hit.begin(), hit.end()), hit.end());
    for (const auto* idx : hit) n += idx->doc_count();
    shards = hit.size();
  }
  const std::string s = std::to_string(shards);
  return es_reply(200,
                  "{\"count\":" + std::to_string(n) + ",\"_shards\":{\"total\":" + s +
                      ",\"successful\":" + s + ",\"skipped\":0,\"failed\":0}}",
                  response_content_type(media));
}

reply es_sim::index_template(request& req, std::string_view name, const media_ok& media) {
  const auto method = req.method();
  if (method == http::verb::delete_) {
    if (auto d = denied("indices:admin/index_template/delete", "manage_index_templates")) return std::move(*d);
    if (auto err = templates_.remove(name)) return es_reply(err->status, render_rest_error(*err));
    return es_reply(200, "{\"acknowledged\":true}", response_content_type(media));
  }
  if (method == http::verb::put || method == http::verb::post) {
    if (auto d = denied("indices:admin/index_template/put", "manage_index_templates")) return std::move(*d);
    if (name.find('*') != std::string_view::npos || name.empty())
      return es_reply(400, render_rest_error({400,
                                              "invalid_index_template_exception",
                                              "index_template [" + std::string(name) +
                                                  "] invalid, cause [Validation "
                                                  "Failed: 1: name must not contain a '*';]",
                                              {}}));
    if (auto err = templates_.put(name, req.body())) return es_reply(err->status, render_rest_error(*err));
    return es_reply(200, "{\"acknowledged\":true}", response_content_type(media));
  }
  if (method != http::verb::get && method != http::verb::head)
    return es_reply(405, render_string_error("Incorrect HTTP method for uri [" + std::string(req.target()) +
                                                 "] and method [" + std::string(req.method_string()) +
                                                 "], allowed: [HEAD, DELETE, GET, PUT, POST]",
                                             405));
  const auto found = templates_.find(name);
  if (found.empty() && name.find('*') == std::string_view::npos) {
    return es_reply(404, render_rest_error({404,
                                            "resource_not_found_exception",
                                            "index template matching [" + std::string(name) + "] not found",
                                            {}}));
  }
  return es_reply(200, named_list_json("index_templates", "index_template", found), response_content_type(media));
}

item_result es_sim::injected_item(const bulk_action& a, const fault_rule& f) const {
  const index_data* idx = store_.find(a.index);
  const std::string shard = "[" + (idx ? idx->write_index() : a.index) + "][0]";
  item_result r;
  switch (f.status) {
    case 429:
      r = item_failure(a, 429, "es_rejected_execution_exception",
                       "rejected execution of primary operation [shard_detail=" + shard +
                           "[es-sim]] on EsThreadPoolExecutor[name = es-sim/write, queue capacity = 10000]");
      break;
    case 503:
      r = item_failure(a, 503, "unavailable_shards_exception",
                       shard + " primary shard is not active Timeout: [1m], request: [BulkShardRequest [" +
                           shard + "] containing [1] requests]");
      break;
    case 403:
      r = item_failure(
          a, 403, "security_exception",
          "action [indices:data/write/bulk[s]] is unauthorized for user [es-sim] on indices [" + a.index +
              "], this action is granted by the index privileges [create_doc,create,index,write,all]");
      break;
    case 404:
      r = item_failure(a, 404, "index_not_found_exception", "no such index [" + a.index + "]");
      break;
    default:
      r = item_failure(a, 400, std::string(cfg_.flavor().parsing_exception()),
                       std::string(cfg_.flavor().major >= 8 ? "[1:2] " : "") +
                           "failed to parse field [event.id] of type [keyword] in document with id '" +
                           a.id + "'. Preview of field's value: '" + a.id + "'");
  }
  if (idx) r.index = idx->write_index();
  return r;
}

reply es_sim::bulk(request& req, std::string_view target, const query_params& q, const media_ok& media) {
  const auto started = std::chrono::steady_clock::now();
  ++bulk_requests_;
  std::string& raw = req.body();
  bytes_received_ += raw.size();
  for (const auto& [k, v] : q) {
    bool known = false;
    for (const auto p : bulk_params) known = known || k == p;
    if (!known)
      return es_reply(
          400, render_rest_error({400,
                                  "illegal_argument_exception",
                                  "request [" + std::string(req.target().substr(0, req.target().find('?'))) +
                                      "] contains unrecognized parameter: [" + k + "]",
                                  {}}));
  }
  if (raw.empty())
    return es_reply(400, render_rest_error({400, "parse_exception", "request body is required", {}}));

  std::optional<fault_rule> fault = faults_.draw_bulk();
  if (fault && fault->kind == fault_kind::status) {
    if (fault->status == 502)
      return es_reply(
          502,
          "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
          "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
          "text/html");
    if (fault->status == 429)
      return es_reply(
          429, render_rest_error({429,
                                  "es_rejected_execution_exception",
                                  "rejected execution of coordinating operation [coordinating_and_primary_"
                                  "bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=" +
                                      std::to_string(raw.size()) +
                                      ", max_coordinating_and_primary_bytes=107374182]",
                                  {}}));
    rest_error e{503, "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/2/no master];", {}};
    return es_reply(503, render_rest_error(e));
  }
  if (fault && fault->kind == fault_kind::reset) {
    reply r;
    r.how = delivery::reset_before_response;
    return r;
  }

  // Decompress (bounded) and make sure simdjson may read SIMDJSON_PADDING bytes past the end.
  std::string decoded;
  std::string* body = &raw;
  const std::string_view encoding = req[http::field::content_encoding];
  if (is_inflated_encoding(encoding)) {
    const auto st = decode_body(encoding, raw, cfg_.max_content_length, decoded);
    if (st == decode_status::too_large) {
      reply r = es_reply(413, "");
      r.close_after = true;
      return r;
    }
    if (st == decode_status::corrupt)
      return es_reply(
          400, render_rest_error({400,
                                  "parse_exception",
                                  "failed to decode the request body as [" + std::string(encoding) + "]",
                                  {}}));
    body = &decoded;
  } else if (raw.size() > cfg_.max_content_length) {
    reply r = es_reply(413, "");
    r.close_after = true;
    return r;
  }
  bytes_decoded_ += body->size();
  // No reserve for padding here: that would copy a body of many MB; parse_bulk copies the last lines instead.
  const simdjson::padded_string_view view(body->data(), body->size(), body->capacity());

  bulk_defaults defaults;
  defaults.index = target;
  defaults.require_alias = has_param(q, "require_alias") &&
                           (param(q, "require_alias").empty() || param(q, "require_alias") == "true");
  auto parsed = parse_bulk(view, defaults, action_parser_);
  if (auto* err = std::get_if<rest_error>(&parsed)) return es_reply(err->status, render_rest_error(*err));
  const auto& actions = std::get<std::vector<bulk_action>>(parsed);

  std::vector<item_result> items;
  items.reserve(actions.size());
  const std::string_view url_pipeline = param(q, "pipeline");
  const bool may_create_doc = privileges_.holds("create_doc");
  const bool may_index = privileges_.holds("index");
  const bool may_auto_configure = privileges_.holds("auto_configure") || privileges_.holds("create_index");
  for (const auto& a : actions) {
    if (auto f = faults_.draw_item(a.id, a.has_id)) {
      items.push_back(injected_item(a, *f));
    } else if ((a.op_type_create && !may_create_doc) || (!a.op_type_create && a.op != op_type::del && !may_index) ||
               (!may_auto_configure && store_.find(a.index) == nullptr && a.op != op_type::del)) {
      const bool create_index = may_create_doc && may_index;
      items.push_back(item_failure(
          a, 403, "security_exception",
          create_index ? "action [indices:admin/auto_create] is unauthorized for user [" + user_ +
                             "] with effective roles [es-sim] on indices [" + a.index +
                             "], this action is granted by the index privileges [auto_configure,create_index,manage,all]"
                       : "action [indices:data/write/bulk[s]] is unauthorized for user [" + user_ +
                             "] with effective roles [es-sim] on indices [" + a.index +
                             "], this action is granted by the index privileges [" +
                             (a.op_type_create ? "create_doc,create,index,write,all" : "index,write,all") + "]"));
    } else {
      items.push_back(store_.apply(a, url_pipeline));
    }
    const auto& r = items.back();
    ++items_[r.ok() ? std::string(r.result) : r.error_type];
  }
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
          .count();
  reply r = es_reply(200, render_bulk_response(took, items), response_content_type(media));
  r = with_filter(std::move(r), q, filter_parser_);
  if (fault) {
    if (fault->kind == fault_kind::reset_body) {
      r.how = delivery::reset_mid_body;
    } else {  // stall and delay: the work is done; the answer comes late (or, for a stall, too late)
      r.how = delivery::stall;
      r.delay = fault->delay;
    }
  }
  return r;
}

}  // namespace sfsim::es
