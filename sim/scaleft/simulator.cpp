// The simulated ScaleFT service: construction, event intake, the top-level router and shared helpers.
#include "sim/scaleft/simulator.hpp"

#include "sim/scaleft/encoding.hpp"

#include <algorithm>

namespace sfsim::scaleft {

simulator::simulator(sim_config cfg)
    : cfg_(std::move(cfg)),
      generator_(cfg_.seed, cfg_.team, cfg_.odd_rate, cfg_.objects),
      keys_(cfg_.seed),
      limiter_(cfg_.rate_limit),
      faults_(cfg_.seed) {}

void simulator::preload(std::uint64_t n, nanos span) {
  const nanos now = clock_.now();
  const auto times = generator_.spread(n, now - span, now);
  for (const nanos t : times) store_.append(generator_.make(t));
}

void simulator::add_events(std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) {
    // Never before the newest stored event, so positions (and so cursors) never shift.
    nanos t = clock_.now();
    if (auto last = store_.last_timestamp(); last && t <= *last) t = *last + 1;
    store_.append(generator_.make(t));
  }
}

reply simulator::error(http::status st, std::string_view code, std::string_view message) const {
  reply r;
  r.res.result(st);
  r.res.set(http::field::content_type, "application/json");
  std::string body = "{\"error\":{\"code\":";
  append_json_string(body, code);
  body += ",\"message\":";
  append_json_string(body, message);
  body += "}}";
  r.res.body() = std::move(body);
  return r;
}

std::optional<reply> simulator::charge(const std::string& user) {
  current_rate_ = limiter_.take(user, clock_.now());
  if (current_rate_->allowed) return std::nullopt;
  reply r = error(http::status::too_many_requests, "too_many_requests", "Rate limit exceeded");
  const std::int64_t now_s = clock_.now() / ns_per_s;
  r.res.set("X-RateLimit-Retry-At", std::to_string(current_rate_->reset));
  r.res.set(http::field::retry_after,
            std::to_string(std::max<std::int64_t>(1, current_rate_->reset - now_s)));
  return r;
}

void simulator::record(std::string_view where, unsigned status) {
  ++requests_[std::string(where)][status];
}

reply simulator::handle(request& req) {
  auto target = parse_target(req.target());
  if (!target) {
    reply r = error(http::status::bad_request, "invalid_request", "malformed percent-escape in the URL");
    record("other", 400);
    return r;
  }
  if (target->path.starts_with("/_sim/")) return handle_control(req, *target);
  current_rate_.reset();
  reply r = handle_api(req, *target);
  r.res.set(http::field::date, format_http_date(clock_.now()));
  if (current_rate_) {
    r.res.set("X-RateLimit-Limit", std::to_string(current_rate_->limit));
    r.res.set("X-RateLimit-Remaining", std::to_string(current_rate_->remaining));
    r.res.set("X-RateLimit-Reset", std::to_string(current_rate_->reset));
  }
  return r;
}

}  // namespace sfsim::scaleft
