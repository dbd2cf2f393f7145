// The ScaleFT API itself: service_token, auditsV2 and service-user keys, with injected faults around them.
#include "sim/scaleft/encoding.hpp"
#include "sim/scaleft/paging.hpp"
#include "sim/scaleft/simulator.hpp"

#include <simdjson.h>

#include <algorithm>

namespace sfsim::scaleft {

namespace {

std::vector<std::string> path_segments(std::string_view path) {
  std::vector<std::string> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    auto seg = sf::text::percent_decode_strict(path.substr(0, slash), sf::text::plus_sign::literal);
    out.push_back(seg ? *seg : std::string("\x01"));  // a broken escape matches no route
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_json_content_type(std::string_view ct) {
  const auto semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  std::string lowered(base);
  for (auto& c : lowered) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lowered == "application/json";
}

std::string key_json(const api_key& k, bool with_secret) {
  std::string out = "{\"id\":" + json_string(k.id) +
                    ",\"issued_at\":" + json_string(format_key_time(k.issued_at)) +
                    ",\"expires_at\":" + json_string(format_key_time(k.expires_at)) + ",\"last_used\":" +
                    (k.last_used ? json_string(format_rfc3339_nanos(*k.last_used)) : std::string("null"));
  if (with_secret) out += ",\"secret\":" + json_string(k.secret);
  out += "}";
  return out;
}

// The real service's words for a caller without the needed role (spec section 4), cut where the spec cuts.
constexpr std::string_view missing_role_message = "User doesn't have permissions to access this resource";

constexpr std::string_view bad_gateway_html =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

}  // namespace

reply simulator::handle_api(request& req, const split_target& target) {
  const auto seg = path_segments(target.path);
  std::optional<endpoint> where;
  if (seg.size() == 4 && seg[0] == "v1" && seg[1] == "teams" && seg[3] == "service_token") {
    where = endpoint::token;
  } else if (seg.size() == 4 && seg[0] == "v1" && seg[1] == "teams" && seg[3] == "auditsV2") {
    where = endpoint::audits;
  } else if ((seg.size() == 6 || seg.size() == 7) && seg[0] == "v1" && seg[1] == "teams" &&
             seg[3] == "service_users" && seg[5] == "keys") {
    where = endpoint::keys;
  }
  if (!where) {
    if (auto refused = charge("anonymous")) return *refused;
    record("other", 404);
    return error(http::status::not_found, "resource_does_not_exist", "no such resource");
  }
  const std::string where_name(to_string(*where));

  const std::string_view auth = req[http::field::authorization];
  const bool has_token = auth.size() > 7 && auth.substr(0, 7) == "Bearer ";
  const std::string_view token = has_token ? auth.substr(7) : std::string_view{};

  // Faults come first, as from a proxy in front of the service: the failed request is not handled.
  const auto fault = faults_.draw(*where, has_token);
  short_page_ = fault && fault->kind == fault_kind::short_page;
  if (fault) {
    faults_.count(fault->kind);
    if (fault->kind == fault_kind::expire_token) keys_.expire_token(token, clock_.now());
    if (auto r = apply_fault(req, *fault, *where)) {
      // A reset connection has no status: counted as 0.
      record(where_name, r->how == delivery::reset_before_response ? 0 : r->res.result_int());
      return *r;
    }
  }

  reply r = [&]() -> reply {
    if (seg[2] != cfg_.team) {
      if (auto refused = charge("anonymous")) return *refused;
      return error(http::status::not_found, "resource_does_not_exist", "no such team");
    }
    if (*where == endpoint::token) return token_exchange(req, seg[2]);
    const token_info* who = has_token ? keys_.authenticate(token, clock_.now()) : nullptr;
    if (!who) {
      if (auto refused = charge("anonymous")) return *refused;
      return error(http::status::unauthorized, "authentication_error",
                   has_token ? "Authentication token expired" : "Authentication required");
    }
    const token_info caller = *who;
    if (auto refused = charge(caller.user)) return *refused;
    if (*where == endpoint::audits) return audits(req, target, caller);
    return key_call(req, seg[4], seg.size() == 7 ? std::optional<std::string>(seg[6]) : std::nullopt, caller);
  }();
  if (fault) mangle(r, *fault);
  record(where_name, r.res.result_int());
  return r;
}

std::optional<reply> simulator::apply_fault(request& req, const fault_rule& f, endpoint where) {
  switch (f.kind) {
    case fault_kind::too_many_requests: {
      reply r = error(http::status::too_many_requests, "too_many_requests", "Rate limit exceeded");
      const std::int64_t now_s = clock_.now() / ns_per_s;
      r.res.set(http::field::retry_after, "1");
      r.res.set("X-RateLimit-Limit", std::to_string(limiter_.limit()));
      r.res.set("X-RateLimit-Remaining", "0");
      r.res.set("X-RateLimit-Reset", std::to_string(now_s + 1));
      r.res.set("X-RateLimit-Retry-At", std::to_string(now_s + 1));
      return r;
    }
    case fault_kind::internal_error:
      return error(http::status::internal_server_error, "unknown_error", "An unknown error occurred");
    case fault_kind::bad_gateway: {
      reply r;
      r.res.result(http::status::bad_gateway);
      r.res.set(http::field::content_type, "text/html");
      r.res.set(http::field::server, "nginx");
      r.res.body() = std::string(bad_gateway_html);
      return r;
    }
    case fault_kind::unavailable:
      return error(http::status::service_unavailable, "service_offline", "The service is offline");
    case fault_kind::gateway_timeout:
      return error(http::status::gateway_timeout, "gateway_timeout", "Gateway timeout");
    case fault_kind::authorization_error:
      return error(http::status::unauthorized, "authorization_error", missing_role_message);
    case fault_kind::reset: {
      reply r;
      r.how = delivery::reset_before_response;
      return r;
    }
    default:
      return std::nullopt;  // these alter the real response: see mangle()
  }
}

void simulator::mangle(reply& r, const fault_rule& f) {
  std::string& body = r.res.body();
  switch (f.kind) {
    case fault_kind::reset_body:
      r.how = delivery::reset_mid_body;
      break;
    case fault_kind::truncate:
      // Content-Length is computed from the cut body: the client sees a complete but broken document.
      body.resize(body.size() / 2);
      r.res.content_length(body.size());
      break;
    case fault_kind::invalid_json:
      if (!body.empty())
        body[0] = '[';  // same length, no longer JSON
      else
        body = "not json";
      if (r.res.result() == http::status::no_content) r.res.result(http::status::ok);
      r.res.content_length(body.size());
      break;
    case fault_kind::stall:
      r.how = delivery::stall;
      r.delay = f.delay.count() > 0 ? f.delay : cfg_.default_stall;
      break;
    case fault_kind::trickle:
      r.how = delivery::trickle;
      r.delay = f.delay.count() > 0 ? f.delay : cfg_.default_trickle_pause;
      r.trickle_chunk = 64;
      break;
    default:
      break;
  }
}

reply simulator::token_exchange(request& req, const std::string& team) {
  if (req.method() != http::verb::post) {
    if (auto refused = charge("anonymous")) return *refused;
    return error(http::status::method_not_allowed, "invalid_request", "use POST");
  }
  if (!is_json_content_type(req[http::field::content_type])) {
    if (auto refused = charge("anonymous")) return *refused;
    return error(http::status::unsupported_media_type, "unsupported_content_type",
                 "Content-Type must be application/json");
  }
  // The DOM parser validates the whole (tiny) body, so trailing junk or a broken value is a 400.
  simdjson::dom::parser parser;
  std::string key_id;
  std::string secret;
  bool ok = false;
  simdjson::dom::object obj;
  if (!parser.parse(req.body()).get(obj)) {
    std::string_view id_view, secret_view;
    ok = !obj["key_id"].get(id_view) && !obj["key_secret"].get(secret_view);
    key_id = std::string(id_view);
    secret = std::string(secret_view);
  }
  if (!ok || key_id.empty() || secret.empty() || secret.size() > 512) {
    if (auto refused = charge("anonymous")) return *refused;
    return error(http::status::bad_request, "invalid_request",
                 "body must be {\"key_id\": string, \"key_secret\": string of 1..512 chars}");
  }
  const api_key* key = keys_.find_key(key_id);
  if (auto refused = charge(key ? key->user : std::string("anonymous"))) return *refused;
  const nanos now = clock_.now();
  auto token = keys_.exchange(key_id, secret, team, now, cfg_.token_lifetime);
  if (!token) return error(http::status::unauthorized, "authentication_error", "Invalid key id or secret");
  reply r;
  r.res.result(http::status::ok);
  r.res.set(http::field::content_type, "application/json");
  r.res.body() = "{\"bearer_token\":" + json_string(*token) +
                 ",\"expires_at\":" + json_string(format_rfc3339_nanos(now + cfg_.token_lifetime)) +
                 ",\"team_name\":" + json_string(team) + "}";
  return r;
}

reply simulator::audits(request& req, const split_target& target, const token_info& who) {
  if (req.method() != http::verb::get)
    return error(http::status::method_not_allowed, "invalid_request", "use GET");
  if (!keys_.has_role(who.user, "access_user") && !keys_.has_role(who.user, "access_admin") &&
      !keys_.has_role(who.user, "reporting_user")) {
    // The service answers a missing role either way (spec section 4): a user with no role at all gets the
    // 401 that no fresh token cures, one with other roles the 403.
    if (!keys_.has_any_role(who.user))
      return error(http::status::unauthorized, "authorization_error", missing_role_message);
    return error(http::status::forbidden, "forbidden_error",
                 "reading audits needs role access_user, access_admin or reporting_user");
  }
  auto parsed = parse_page_request(target.query);
  if (auto* e = std::get_if<std::string>(&parsed))
    return error(http::status::bad_request, "invalid_request", *e);
  const page_request& pr = std::get<page_request>(parsed);
  std::optional<std::size_t> offset_pos;
  if (pr.offset) {
    offset_pos = store_.find(*pr.offset);
    if (!offset_pos)
      return error(http::status::bad_request, "invalid_request", "offset is not a known event id");
  }
  const std::size_t retained = store_.first_at_or_after(clock_.now() - cfg_.retention);
  if (offset_pos && cfg_.refuse_aged_offsets && *offset_pos < retained)
    return error(http::status::bad_request, "invalid_request", "offset refers to an event past the retention period");
  // A short page holds half of what was asked (at least one event), as the service may while more exist.
  const std::size_t count = short_page_ ? std::max<std::size_t>(1, pr.count / 2) : pr.count;
  const page_window w = select_page(offset_pos, retained, store_.size(), count, pr.descending, pr.prev);
  std::optional<std::string> first, last;
  if (!w.empty()) {
    first = store_.id_at(w.first_listed());
    last = store_.id_at(w.last_listed());
  }
  std::string_view host = req[http::field::host];
  if (host.empty()) host = fallback_host_;
  reply r;
  r.res.result(http::status::ok);
  r.res.set(http::field::content_type, "application/json");
  // Whether events lie beyond this page in its `next` direction (upward: newer positions).
  const bool upward = pr.descending == pr.prev;
  const bool more = !w.empty() && (upward ? w.end < store_.size() : w.begin > retained);
  const bool with_next = more || !cfg_.omit_last_next;
  r.res.set(http::field::link,
            build_link_header(cfg_.tls ? "https" : "http", host, cfg_.team, pr, first, last, with_next));
  r.res.body() = store_.render(w, generator_.pool());
  events_served_ += w.size();
  return r;
}

reply simulator::key_call(request& req, const std::string& user, const std::optional<std::string>& key_id,
                          const token_info& who) {
  if (!keys_.has_role(who.user, "access_admin"))
    return error(http::status::forbidden, "forbidden_error", "managing keys needs role access_admin");
  if (!keys_.has_user(user))
    return error(http::status::not_found, "resource_does_not_exist", "no such service user");
  const nanos now = clock_.now();
  reply r;
  r.res.set(http::field::content_type, "application/json");
  if (key_id) {
    if (req.method() != http::verb::delete_)
      return error(http::status::method_not_allowed, "invalid_request", "use DELETE");
    if (!keys_.delete_key(user, *key_id, now))
      return error(http::status::not_found, "resource_does_not_exist", "no such live key");
    store_.append(generator_.make_key_event("service_user.key_delete", who.user, user, *key_id,
                                            std::max(now, store_.last_timestamp().value_or(now))));
    r.res.result(http::status::no_content);
    r.res.erase(http::field::content_type);
    return r;
  }
  if (req.method() == http::verb::get) {
    std::string body = "{\"list\":[";
    bool firstk = true;
    for (const api_key* k : keys_.live_keys(user, now)) {
      if (!firstk) body += ',';
      firstk = false;
      body += key_json(*k, false);
    }
    body += "]}";
    r.res.result(http::status::ok);
    r.res.body() = std::move(body);
    return r;
  }
  if (req.method() == http::verb::post) {
    const api_key& k = keys_.create_key(user, now, cfg_.rotation_expiry);
    r.res.result(http::status::ok);
    r.res.body() = key_json(k, true);
    store_.append(generator_.make_key_event("service_user.key_create", who.user, user, k.id,
                                            std::max(now, store_.last_timestamp().value_or(now))));
    return r;
  }
  return error(http::status::method_not_allowed, "invalid_request", "use GET or POST");
}

}  // namespace sfsim::scaleft
