// The service-user key calls (list, create, delete) and the parsing of their answers and of Date headers.
#include "daemon/keys/key_api.hpp"

#include "common/time/http_date.hpp"
#include "common/time/rfc3339.hpp"

#include <simdjson.h>

#include <cstring>
#include <ctime>

namespace sf::keys {

namespace bhttp = boost::beast::http;

namespace {

sys_time from_ns(std::int64_t ns) {
  return sys_time(std::chrono::duration_cast<sys_time::duration>(std::chrono::nanoseconds(ns)));
}

bool read_times(simdjson::dom::object k, listed_key& out, std::string& why) {
  std::string_view issued, expires;
  bool ok = true;
  if (!k["issued_at"].get(issued)) {
    out.issued_at = parse_key_time(issued, ok);
    if (!ok) {
      why = "issued_at is not an RFC 3339 time";
      return false;
    }
  }
  if (k["expires_at"].get(expires)) {
    why = "key has no string expires_at";
    return false;
  }
  out.expires_at = parse_key_time(expires, ok);
  if (!ok) why = "expires_at is not an RFC 3339 time";
  return ok;
}

std::string shorten(std::string_view body) {
  constexpr std::size_t limit = 300;
  std::string out(body.substr(0, limit));
  if (body.size() > limit) out += "...";
  return out;
}

}  // namespace

std::optional<sys_time> parse_key_time(std::string_view text, bool& ok) {
  ok = true;
  if (text.starts_with("0001-01-01T00:00:00")) return std::nullopt;
  auto ns = time::parse_rfc3339_ns(text);
  if (!ns) {
    ok = false;
    return std::nullopt;
  }
  return from_ns(*ns);
}

std::optional<std::vector<listed_key>> parse_key_list(std::string_view body, std::string& why) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  simdjson::dom::array list;
  if (parser.parse(body.data(), body.size()).get(obj) || obj["list"].get(list)) {
    why = "key list is not {\"list\": [...]}";
    return std::nullopt;
  }
  std::vector<listed_key> out;
  for (auto item : list) {
    simdjson::dom::object k;
    std::string_view id;
    if (item.get(k) || k["id"].get(id) || id.empty()) {
      why = "a listed key has no string id";
      return std::nullopt;
    }
    listed_key lk{std::string(id), std::nullopt, std::nullopt};
    if (!read_times(k, lk, why)) return std::nullopt;
    out.push_back(std::move(lk));
  }
  return out;
}

std::optional<key_record> parse_created_key(std::string_view body, std::string& why) {
  simdjson::dom::parser parser;
  simdjson::dom::object k;
  std::string_view id, secret;
  if (parser.parse(body.data(), body.size()).get(k) || k["id"].get(id) || k["secret"].get(secret) ||
      id.empty() || secret.empty()) {
    why = "created key is not {\"id\": string, \"secret\": string, ...}";
    return std::nullopt;
  }
  listed_key lk;
  if (!read_times(k, lk, why)) return std::nullopt;
  return key_record{std::string(id), std::string(secret), lk.issued_at};
}

const char* to_string(call_outcome o) {
  switch (o) {
    case call_outcome::ok:
      return "ok";
    case call_outcome::refused:
      return "refused";
    case call_outcome::not_found:
      return "not_found";
    case call_outcome::unauthorized:
      return "unauthorized";
    default:
      return "failed";
  }
}

call_outcome classify(const source::api_result& r) {
  if (r.ok()) return call_outcome::ok;
  switch (r.status()) {
    case 401:
      return call_outcome::unauthorized;
    case 403:
      return call_outcome::refused;
    case 404:
      return call_outcome::not_found;
    default:
      return call_outcome::failed;
  }
}

namespace {

call_result describe(const source::api_result& r) {
  call_result out;
  out.outcome = classify(r);
  if (!r.exchange.ok()) {
    out.message = r.exchange.error.empty() ? r.exchange.ec.message() : r.exchange.error;
    return out;
  }
  // system_clock counts int64 nanoseconds (years 1677..2262): a date outside that would overflow it (found by
  // fuzz_http_date: "Fri, 31 Dec 9999 23:59:59 GMT"), so it is ignored like an unparsable one.
  constexpr auto clock_max_s = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::duration::max())
                                   .count();
  if (auto date = time::parse_http_date(r.exchange.res[bhttp::field::date]);
      date && *date < clock_max_s && *date > -clock_max_s)
    out.server_date = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(*date));
  if (out.outcome != call_outcome::ok) {
    // Error bodies hold no secrets (the simulator and the service send a code and a message).
    out.message = "HTTP " + std::to_string(r.status()) +
                  (r.from_token_mint ? " from service_token: " : ": ") + shorten(r.exchange.res.body());
  }
  return out;
}

}  // namespace

key_api::key_api(source::scaleft_api& api, std::string service_user)
    : api_(api), user_(std::move(service_user)) {}

std::string key_api::keys_path() const {
  return api_.team_path("/service_users/" + http::percent_encode(user_) + "/keys");
}

boost::asio::awaitable<list_result> key_api::list() {
  // A named argument: GCC 12 may destroy a temporary passed to a coroutine twice.
  std::string target = keys_path();
  auto r = co_await api_.get(std::move(target));
  list_result out;
  static_cast<call_result&>(out) = describe(r);
  if (out.outcome != call_outcome::ok) co_return out;
  std::string why;
  auto keys = parse_key_list(r.exchange.res.body(), why);
  if (!keys) {
    out.outcome = call_outcome::failed;
    out.message = why;
    co_return out;
  }
  out.keys = std::move(*keys);
  co_return out;
}

boost::asio::awaitable<create_result> key_api::create() {
  http::request req{bhttp::verb::post, keys_path(), 11};
  req.set(bhttp::field::accept, "application/json");
  auto r = co_await api_.send(std::move(req));
  create_result out;
  static_cast<call_result&>(out) = describe(r);
  if (out.outcome != call_outcome::ok) co_return out;
  std::string why;
  auto key = parse_created_key(r.exchange.res.body(), why);
  if (!key) {
    out.outcome = call_outcome::failed;
    out.message = why;  // never the body: it holds the secret
    co_return out;
  }
  out.key = std::move(*key);
  co_return out;
}

boost::asio::awaitable<call_result> key_api::remove(const std::string& key_id) {
  http::request req{bhttp::verb::delete_, keys_path() + "/" + http::percent_encode(key_id), 11};
  req.set(bhttp::field::accept, "application/json");
  auto r = co_await api_.send(std::move(req));
  co_return describe(r);
}

boost::asio::awaitable<call_result> key_api::probe() {
  std::string target = api_.team_path("/auditsV2?count=1");
  auto r = co_await api_.get(std::move(target));
  co_return describe(r);
}

}  // namespace sf::keys
