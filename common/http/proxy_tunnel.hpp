// Talking to an HTTP proxy: the CONNECT tunnel for https targets, and the errors a proxy's refusal gives.
#pragma once

#include "common/http/proxy_choice.hpp"
#include "common/http/url.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace sf::http {

// A proxy's answer that ends the exchange: a transport failure (retried by the callers), never an answer of
// the target.
enum class proxy_errc {
  refused = 1,     // a status other than 2xx to CONNECT (403, 502, ...)
  auth_required,   // 407 (or 401 to CONNECT): no credentials, or the proxy rejected them
  bad_answer,      // not HTTP, or bytes after the 200 before TLS began
  closed,          // the proxy closed the connection before answering
};
const boost::system::error_category& proxy_category();
inline boost::system::error_code make_error_code(proxy_errc e) {
  return {static_cast<int>(e), proxy_category()};
}

struct tunnel_result {
  boost::system::error_code ec;  // proxy_errc, or the I/O error (timeout, operation_aborted, reset)
  std::string error;             // names the proxy, the target and the proxy's status, for the log
  unsigned status = 0;           // the proxy's status to CONNECT, when it answered
  bool ok() const { return !ec; }
};

// "host:port" as a CONNECT request and an absolute-form request's authority name it ("[v6]:port").
std::string authority_of(const url& target);

// The explanation for a 407 from `proxy`: whether credentials were sent, and which keys give them.
std::string proxy_auth_hint(const proxy_endpoint& proxy);

// Asks the proxy on `stream` (connected, its deadline set) for a tunnel to `target`, with Proxy-Authorization
// when the proxy URL names a user. On success the stream carries bytes to and from the target and TLS starts
// on it. The stream's deadline and the awaiting coroutine's cancellation cover the whole exchange.
boost::asio::awaitable<tunnel_result> open_tunnel(boost::beast::tcp_stream& stream,
                                                  const proxy_endpoint& proxy, const url& target,
                                                  const std::string& user_agent);

}  // namespace sf::http

template <>
struct boost::system::is_error_code_enum<sf::http::proxy_errc> : std::true_type {};
