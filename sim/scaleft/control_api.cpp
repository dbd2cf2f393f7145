// The /_sim/ control API for tests: ground-truth ids, state counters, clock, events, tokens and faults.
#include "sim/scaleft/encoding.hpp"
#include "sim/scaleft/paging.hpp"
#include "sim/scaleft/simulator.hpp"

#include <cmath>
#include <cstdlib>

namespace sfsim::scaleft {

namespace {

reply text_reply(http::status st, std::string content_type, std::string body) {
  reply r;
  r.res.result(st);
  r.res.set(http::field::content_type, content_type);
  r.res.body() = std::move(body);
  return r;
}

reply control_error(http::status st, std::string_view message) {
  return text_reply(st, "application/json",
                    "{\"error\":{\"code\":\"invalid_request\",\"message\":" + json_string(message) + "}}");
}

}  // namespace

std::string simulator::state_json() const {
  const nanos now = clock_.now();
  std::string out = "{\"team\":" + json_string(cfg_.team);
  out += ",\"clock\":{\"now\":" + json_string(format_rfc3339_nanos(now)) +
         ",\"offset_seconds\":" + std::to_string(static_cast<double>(clock_.offset()) / ns_per_s) + "}";
  const std::size_t retained = store_.first_at_or_after(now - cfg_.retention);
  out += ",\"events\":" + std::to_string(store_.size());
  out += ",\"events_retained\":" + std::to_string(store_.size() - retained);
  out += ",\"events_odd\":" + std::to_string(generator_.odd_events());
  out += ",\"events_served\":" + std::to_string(events_served_);
  out += ",\"keys\":[";
  bool first = true;
  for (const auto& k : keys_.all_keys()) {
    if (!first) out += ',';
    first = false;
    out += "{\"id\":" + json_string(k.id) + ",\"user\":" + json_string(k.user) +
           ",\"issued_at\":" + json_string(format_key_time(k.issued_at)) +
           ",\"expires_at\":" + json_string(format_key_time(k.expires_at)) + ",\"last_used\":" +
           (k.last_used ? json_string(format_rfc3339_nanos(*k.last_used)) : std::string("null")) +
           ",\"deleted\":" + (k.deleted ? "true" : "false") +
           ",\"usable\":" + (key_usable(k, now) ? "true" : "false") + "}";
  }
  out += "],\"live_tokens\":" + std::to_string(keys_.live_tokens(now));
  out += ",\"requests\":{";
  first = true;
  for (const auto& [where, by_status] : requests_) {
    if (!first) out += ',';
    first = false;
    out += json_string(where) + ":{";
    bool f2 = true;
    for (const auto& [status, n] : by_status) {
      if (!f2) out += ',';
      f2 = false;
      out += "\"" + std::to_string(status) + "\":" + std::to_string(n);
    }
    out += "}";
  }
  out += "},\"faults_injected\":{";
  first = true;
  for (const auto& [kind, n] : faults_.injected()) {
    if (!first) out += ',';
    first = false;
    out += json_string(kind) + ":" + std::to_string(n);
  }
  out += "},\"faults_pending\":" + std::to_string(faults_.rules().size()) + "}";
  return out;
}

reply simulator::handle_control(request& req, const split_target& target) {
  const std::string& path = target.path;
  const auto method = req.method();
  if (path == "/_sim/events/ids" && method == http::verb::get) {
    // Optional ?retained=true: only what auditsV2 would still serve.
    std::size_t from = 0;
    if (auto v = find_param(target.query, "retained"); v && (*v == "true" || *v == "1"))
      from = store_.first_at_or_after(clock_.now() - cfg_.retention);
    std::string body;
    body.reserve((store_.size() - from) * 25);
    for (std::size_t i = from; i < store_.size(); ++i) {
      body += store_.id_at(i);
      body += '\n';
    }
    return text_reply(http::status::ok, "text/plain", std::move(body));
  }
  if (path == "/_sim/state" && method == http::verb::get) {
    return text_reply(http::status::ok, "application/json", state_json());
  }
  if (path == "/_sim/events" && method == http::verb::post) {
    const auto v = find_param(target.query, "count");
    char* end = nullptr;
    const unsigned long long n = v ? std::strtoull(v->c_str(), &end, 10) : 0;
    if (!v || v->empty() || end != v->c_str() + v->size() || n > 10'000'000)
      return control_error(http::status::bad_request, "count must be an integer from 0 to 10000000");
    add_events(n);
    return text_reply(
        http::status::ok, "application/json",
        "{\"added\":" + std::to_string(n) + ",\"events\":" + std::to_string(store_.size()) + "}");
  }
  if (path == "/_sim/clock/advance" && method == http::verb::post) {
    const auto v = find_param(target.query, "seconds");
    char* end = nullptr;
    const double s = v ? std::strtod(v->c_str(), &end) : -1;
    if (!v || v->empty() || end != v->c_str() + v->size() || !std::isfinite(s) || s < 0 || s > 1e10)
      return control_error(http::status::bad_request, "seconds must be a non-negative number");
    clock_.advance(static_cast<nanos>(s * 1e9));
    return text_reply(http::status::ok, "application/json",
                      "{\"now\":" + json_string(format_rfc3339_nanos(clock_.now())) + "}");
  }
  if (path == "/_sim/offsets" && method == http::verb::post) {
    // ?refuse_aged=true|false: whether an offset older than the retention gets 400 (the real service may).
    const auto v = find_param(target.query, "refuse_aged");
    const auto b = v ? parse_bool(*v) : std::nullopt;
    if (!b) return control_error(http::status::bad_request, "refuse_aged must be true or false");
    cfg_.refuse_aged_offsets = *b;
    return text_reply(http::status::ok, "application/json",
                      std::string("{\"refuse_aged\":") + (*b ? "true" : "false") + "}");
  }
  if (path == "/_sim/tokens/expire" && method == http::verb::post) {
    const std::size_t n = keys_.expire_all_tokens(clock_.now());
    return text_reply(http::status::ok, "application/json", "{\"expired\":" + std::to_string(n) + "}");
  }
  if (path == "/_sim/faults" && method == http::verb::post) {
    std::vector<fault_rule> rules;
    std::string_view body = req.body();
    while (!body.empty()) {
      const auto nl = body.find('\n');
      std::string_view line = body.substr(0, nl);
      body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (line.empty() || line.front() == '#') continue;
      auto r = parse_fault(line);
      if (auto* e = std::get_if<std::string>(&r)) return control_error(http::status::bad_request, *e);
      rules.push_back(std::get<fault_rule>(r));
    }
    // All or nothing: a typo on line three does not leave lines one and two armed.
    for (auto& rule : rules) faults_.add(std::move(rule));
    return text_reply(http::status::ok, "application/json",
                      "{\"added\":" + std::to_string(rules.size()) +
                          ",\"pending\":" + std::to_string(faults_.rules().size()) + "}");
  }
  if (path == "/_sim/faults" && method == http::verb::delete_) {
    faults_.clear();
    reply r;
    r.res.result(http::status::no_content);
    return r;
  }
  return control_error(http::status::not_found, "no such control endpoint");
}

}  // namespace sfsim::scaleft
