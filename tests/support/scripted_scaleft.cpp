// The scripted ScaleFT fake: routing by method and path, queued answers, the service's body shapes.
#include "tests/support/scripted_scaleft.hpp"

#include "common/json/json_escape.hpp"
#include "common/time/rfc3339.hpp"
#include "sim/scaleft/sim_time.hpp"

#include <boost/asio/ip/address.hpp>

#include <fmt/format.h>

namespace sf::test {

namespace bhttp = boost::beast::http;

namespace {

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

std::string json_string(std::string_view s) {
  std::string out;
  json::append_json_string(out, s);
  return out;
}

}  // namespace

scaleft_call classify_scaleft_call(std::string_view method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.find("/v1/teams/") == std::string_view::npos) return scaleft_call::other;
  if (method == "POST" && ends_with(path, "/service_token")) return scaleft_call::token;
  if (method == "GET" && ends_with(path, "/auditsV2")) return scaleft_call::audits;
  if (path.find("/service_users/") != std::string_view::npos) {
    if (ends_with(path, "/keys")) {
      if (method == "GET") return scaleft_call::list_keys;
      if (method == "POST") return scaleft_call::create_key;
    } else if (method == "DELETE" && path.find("/keys/") != std::string_view::npos) {
      return scaleft_call::delete_key;
    }
  }
  return scaleft_call::other;
}

scripted_scaleft::scripted_scaleft(boost::asio::io_context& io, std::string team) : team_(std::move(team)) {
  server_ = std::make_unique<sfsim::http_server>(
      io, boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), 0},
      [this](sfsim::request& req) { return answer(req); });
  server_->start();
}

scripted_scaleft::~scripted_scaleft() {
  server_->stop();
}

std::string scripted_scaleft::url() const {
  return "http://127.0.0.1:" + std::to_string(server_->local_endpoint().port());
}

std::string scripted_scaleft::team_path(std::string_view suffix) const {
  return "/v1/teams/" + team_ + std::string(suffix);
}

scripted_scaleft& scripted_scaleft::then(scaleft_call call, scripted_response r) {
  script_[call].push_back(std::move(r));
  return *this;
}

std::size_t scripted_scaleft::queued(scaleft_call call) const {
  auto it = script_.find(call);
  return it == script_.end() ? 0 : it->second.size();
}

std::vector<recorded_request> scripted_scaleft::requests(scaleft_call call) const {
  std::vector<recorded_request> out;
  for (const auto& r : requests_)
    if (r.call == call) out.push_back(r);
  return out;
}

std::size_t scripted_scaleft::count(scaleft_call call) const {
  return requests(call).size();
}

sfsim::reply scripted_scaleft::answer(sfsim::request& req) {
  recorded_request rec;
  rec.method = std::string(req.method_string());
  rec.target = std::string(req.target());
  rec.call = classify_scaleft_call(rec.method, rec.target);
  rec.authorization = std::string(req[bhttp::field::authorization]);
  rec.body = req.body();
  requests_.push_back(rec);

  scripted_response next;
  auto& queue = script_[rec.call];
  if (!queue.empty()) {
    next = std::move(queue.front());
    queue.pop_front();
  } else if (rec.call == scaleft_call::token) {
    next = token("token-" + std::to_string(++tokens_));
  } else if (rec.call == scaleft_call::audits) {
    next = page({});
  } else {
    next = error(500, "unknown_error", "the test did not script " + rec.method + " " + rec.target);
  }

  sfsim::reply r;
  r.res.result(next.status);
  r.res.version(11);
  // Every answer of the service carries a Date (the key manager reads the service's time from it).
  r.res.set(bhttp::field::date,
            sfsim::scaleft::format_http_date(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count()));
  if (!next.body.empty()) r.res.set(bhttp::field::content_type, "application/json");
  for (const auto& [name, value] : next.headers) r.res.insert(name, value);
  r.res.body() = std::move(next.body);
  r.res.prepare_payload();
  r.how = next.how;
  r.delay = next.delay;
  return r;
}

scripted_response scripted_scaleft::token(std::string bearer, std::chrono::seconds lifetime) {
  const auto expires = std::chrono::system_clock::now() + lifetime;
  scripted_response r;
  r.body = fmt::format(R"({{"bearer_token":{},"expires_at":"{}","team_name":"acme"}})", json_string(bearer),
                       time::format_rfc3339(expires, 9));
  return r;
}

scripted_response scripted_scaleft::page(const std::vector<scripted_event>& events,
                                         std::optional<std::string> next) {
  std::string body = R"({"list":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) body += ',';
    body +=
        fmt::format(R"({{"id":{},"timestamp":{},"details":{{"type":{},"team_name":"acme"}}}})",
                    json_string(events[i].id), json_string(events[i].timestamp), json_string(events[i].type));
  }
  body += R"(],"related_objects":{}})";
  scripted_response r;
  r.body = std::move(body);
  if (next) r.headers.emplace_back("Link", "<" + *next + ">; rel=\"next\"");
  return r;
}

scripted_response scripted_scaleft::error(unsigned status, std::string_view code, std::string_view message) {
  scripted_response r;
  r.status = status;
  r.body = fmt::format(R"({{"error":{{"code":{},"message":{}}}}})", json_string(code), json_string(message));
  return r;
}

namespace {
std::string key_json(const scripted_key& k) {
  return fmt::format(R"({{"id":{},"issued_at":{},"expires_at":{},"last_used":null)", json_string(k.id),
                     json_string(k.issued_at), json_string(k.expires_at));
}
}  // namespace

scripted_response scripted_scaleft::key_list(const std::vector<scripted_key>& keys) {
  std::string body = R"({"list":[)";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) body += ',';
    body += key_json(keys[i]) + "}";
  }
  body += "]}";
  scripted_response r;
  r.body = std::move(body);
  return r;
}

scripted_response scripted_scaleft::created_key(const scripted_key& key, std::string_view secret) {
  scripted_response r;
  r.body = key_json(key) + ",\"secret\":" + json_string(secret) + "}";
  return r;
}

scripted_response scripted_scaleft::no_content() {
  scripted_response r;
  r.status = 204;
  return r;
}

std::vector<scripted_event> scripted_scaleft::events(int first, int count) {
  constexpr std::int64_t base_s = 1793491200;  // 2026-11-01T00:00:00Z
  std::vector<scripted_event> out;
  for (int i = first; i < first + count; ++i) {
    scripted_event e;
    e.id = "evt-" + std::to_string(i);
    e.timestamp = time::format_rfc3339((base_s + i) * 1'000'000'000LL, 9);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sf::test
