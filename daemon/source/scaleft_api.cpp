// Token minting and authenticated requests against the ScaleFT API.
#include "daemon/source/scaleft_api.hpp"

#include "common/json/json_escape.hpp"
#include "common/time/rfc3339.hpp"
#include "common/log/logger.hpp"
#include "daemon/runtime/cancellation.hpp"

#include <simdjson.h>

#include <algorithm>

namespace sf::source {

namespace bhttp = boost::beast::http;

scaleft_api::scaleft_api(http::client& client, std::string team, api_key key, rate_limiter* limiter)
    : client_(client), limiter_(limiter), team_(std::move(team)), key_(std::move(key)) {}

boost::asio::awaitable<http::exchange_result> scaleft_api::paced_send(http::request req) {
  if (limiter_) {
    if (auto wait = limiter_->wait_needed(); wait > wait.zero()) {
      log::info("waiting for the ScaleFT rate limit",
                {{"wait_ms", std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()},
                 {"target", std::string_view(req.target())}});
      if (!co_await runtime::sleep(wait)) {
        http::exchange_result stopped;
        stopped.ec = boost::asio::error::operation_aborted;
        stopped.error = "stopped while waiting for the ScaleFT rate limit";
        co_return stopped;
      }
    }
  }
  http::exchange_result r = co_await client_.send(std::move(req));
  if (r.ok()) {
    if (limiter_) limiter_->observe(r.res);
    if (on_response) on_response(r.res);
  }
  co_return r;
}

std::string scaleft_api::team_path(std::string_view suffix) const {
  return http::join_path(client_.origin().target, "/v1/teams/" + http::percent_encode(team_) + std::string(suffix));
}

void scaleft_api::set_key(api_key key) {
  key_ = std::move(key);
  token_.clear();
}

std::chrono::nanoseconds token_refresh_margin(std::chrono::nanoseconds lifetime) {
  return std::clamp<std::chrono::nanoseconds>(lifetime / 4, std::chrono::nanoseconds(0), std::chrono::minutes(2));
}

bool scaleft_api::token_fresh(clock::time_point now) const {
  if (token_.empty()) return false;
  return now + token_refresh_margin(token_expiry_ - token_minted_) < token_expiry_;
}

bool parse_token_response(std::string_view body, std::string& token, std::int64_t& expires_unix_ns,
                          std::string& why) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  auto doc = parser.iterate(padded);
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) {
    why = "service_token response is not a JSON object";
    return false;
  }
  std::string_view tok, exp;
  if (obj.find_field_unordered("bearer_token").get_string().get(tok) || tok.empty()) {
    why = "service_token response has no string bearer_token";
    return false;
  }
  if (obj.find_field_unordered("expires_at").get_string().get(exp)) {
    why = "service_token response has no string expires_at";
    return false;
  }
  auto ns = time::parse_rfc3339_ns(exp);
  if (!ns) {
    why = "service_token expires_at is not an RFC 3339 time";
    return false;
  }
  token.assign(tok);
  expires_unix_ns = *ns;
  return true;
}

boost::asio::awaitable<api_result> scaleft_api::mint_token() {
  http::request req{bhttp::verb::post, team_path("/service_token"), 11};
  req.set(bhttp::field::content_type, "application/json");
  req.set(bhttp::field::accept, "application/json");
  std::string body = "{\"key_id\":\"";
  json::append_json_escaped(body, key_.id);
  body += "\",\"key_secret\":\"";
  json::append_json_escaped(body, key_.secret);
  body += "\"}";
  req.body() = std::move(body);
  // Never co_await inside a braced initializer or ?: : GCC 12 destroys such temporaries twice.
  api_result r;
  const std::string target(req.target());
  r.exchange = co_await paced_send(std::move(req));
  if (on_exchange) on_exchange(target, r.status());
  if (!r.ok()) co_return r;
  std::string token, why;
  std::int64_t expires_ns = 0;
  if (!parse_token_response(r.exchange.res.body(), token, expires_ns, why)) {
    // An unparsable body is transient by the spec's table: report it as a transport-level failure.
    r.exchange.ec = boost::asio::error::invalid_argument;
    r.exchange.error = why;
    co_return r;
  }
  token_ = std::move(token);
  token_minted_ = clock::now();
  token_expiry_ = clock::time_point(std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(expires_ns)));
  if (token_expiry_ <= token_minted_) token_expiry_ = token_minted_ + std::chrono::seconds(60);  // a skewed clock
  ++tokens_minted_;
  if (on_token_minted) on_token_minted();
  log::debug("minted a bearer token",
             {{"key_id", key_.id},
              {"expires_in_s", std::chrono::duration_cast<std::chrono::seconds>(token_expiry_ - token_minted_).count()}});
  co_return r;
}

boost::asio::awaitable<api_result> scaleft_api::get(std::string target) {
  http::request req{bhttp::verb::get, std::move(target), 11};
  req.set(bhttp::field::accept, "application/json");
  co_return co_await send(std::move(req));
}

bool scaleft_api::take_reloaded_key() {
  if (!reload_key) return false;
  auto k = reload_key();
  if (!k || k->id == key_.id) return false;
  log::warn("the API key on record changed (a rotation by the daemon or rotate-key); using the new key",
            {{"old_key_id", key_.id}, {"key_id", k->id}});
  set_key(std::move(*k));
  return true;
}

boost::asio::awaitable<api_result> scaleft_api::send(http::request req) {
  bool reloaded = false;   // the key on record is read at most once per request
  bool reminted = false;   // and a token refused on the call is replaced at most once
  for (;;) {
    if (!token_fresh(clock::now())) {
      auto minted = co_await mint_token();
      if (!minted.ok()) {
        // A refused key may be one a rotation deleted: the key on record may be its successor.
        if (minted.status() == 401 && !reloaded) {
          reloaded = true;
          if (take_reloaded_key()) continue;
        }
        minted.from_token_mint = true;
        co_return minted;
      }
    }
    http::request copy = req;
    copy.set(bhttp::field::authorization, "Bearer " + token_);
    api_result r;
    r.exchange = co_await paced_send(std::move(copy));
    if (on_exchange) on_exchange(std::string_view(req.target()), r.status());
    if (r.status() != 401) co_return r;
    // Tokens "may expire at any time" (even one just minted): one new token per request, no more.
    if (!reminted) {
      log::info("the API refused our bearer token; minting a new one", {{"target", std::string_view(req.target())}});
      reminted = true;
      token_.clear();
      continue;
    }
    if (!reloaded) {
      reloaded = true;
      if (take_reloaded_key()) continue;
    }
    r.fresh_token_refused = true;
    co_return r;
  }
}

}  // namespace sf::source
