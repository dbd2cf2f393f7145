// The ScaleFT API as the forwarder uses it: bearer tokens minted from the API key, authenticated requests.
#pragma once

#include "common/http/client.hpp"
#include "daemon/source/rate_limiter.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sf::source {

struct api_key {
  std::string id;
  std::string secret;  // never logged
};

struct api_result {
  // Transport failures carry ec/error; HTTP answers carry the response whatever its status.
  http::exchange_result exchange;
  bool from_token_mint = false;  // the failure came from minting a token (a key problem when it is a 401)
  // A 401 again after a new token was minted for this request: not an expired token but a permission
  // problem (the service's authorization_error for a missing role), which another token would not cure.
  bool fresh_token_refused = false;
  unsigned status() const { return exchange.ok() ? exchange.res.result_int() : 0; }
  bool ok() const { return exchange.ok() && status() >= 200 && status() < 300; }
};

class scaleft_api {
 public:
  using clock = std::chrono::system_clock;
  // `limiter` (may be null: no pacing) is the source's one rate budget: every request this object sends,
  // token mints included, waits until it allows and feeds it the response's headers.
  scaleft_api(http::client& client, std::string team, api_key key, rate_limiter* limiter = nullptr);

  // Sends an authenticated request. Mints a token first when there is none or it is close to `expires_at`;
  // on a 401 mints a new token and sends the same request once more, and only once: a 401 on that fresh
  // token is returned with `fresh_token_refused`. Before giving up on a 401 (from the call or from minting,
  // either may mean our key was rotated away) `reload_key` is asked once for the key now on record. A failed
  // mint is returned as it came. A stop while waiting for the rate limit returns operation_aborted.
  boost::asio::awaitable<api_result> send(http::request req);
  boost::asio::awaitable<api_result> get(std::string target);

  // "/<base path>/v1/teams/<team><suffix>" with the team path-escaped.
  std::string team_path(std::string_view suffix) const;

  void set_key(api_key key);  // takes effect at the next mint
  const api_key& key() const { return key_; }
  const http::url& client_origin() const { return client_.origin(); }
  rate_limiter* limiter() const { return limiter_; }
  bool has_token() const { return !token_.empty(); }
  clock::time_point token_expires_at() const { return token_expiry_; }
  std::uint64_t tokens_minted() const { return tokens_minted_; }

  // Called after every response (success or not) with its headers, after the rate limiter read them.
  std::function<void(const http::response&)> on_response;
  // Called after every exchange, minting included, with the request target and the HTTP status (0: no
  // answer), and after every successful mint: metrics and readiness listen here.
  std::function<void(std::string_view target, unsigned status)> on_exchange;
  std::function<void()> on_token_minted;
  // Asked after a 401 for the key now on record (credentials.json, which a running daemon or rotate-key may
  // have changed); a key other than the one in use is taken and the request tried again. Unset: no reload.
  std::function<std::optional<api_key>()> reload_key;

 private:
  boost::asio::awaitable<api_result> mint_token();
  // Sends one request once the rate budget allows, and lets the limiter and on_response see the answer.
  boost::asio::awaitable<http::exchange_result> paced_send(http::request req);
  bool token_fresh(clock::time_point now) const;
  bool take_reloaded_key();  // true when reload_key gave a key other than the one in use (now set)

  http::client& client_;
  rate_limiter* limiter_;
  std::string team_;
  api_key key_;
  std::string token_;
  clock::time_point token_minted_{};
  clock::time_point token_expiry_{};
  std::uint64_t tokens_minted_ = 0;
};

// Parses a service_token response body. Returns false (with `why`) when the body is not what the spec says.
bool parse_token_response(std::string_view body, std::string& token, std::int64_t& expires_unix_ns,
                          std::string& why);

// How long before `expires_at` a token is replaced: a quarter of its lifetime, at most two minutes, so that
// short-lived tokens are still used for most of their life and no request is sent with a dying token.
std::chrono::nanoseconds token_refresh_margin(std::chrono::nanoseconds lifetime);

}  // namespace sf::source
