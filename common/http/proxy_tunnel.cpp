// The CONNECT exchange with an HTTP proxy (RFC 9110 section 9.3.6) and the proxy error category.
#include "common/http/proxy_tunnel.hpp"

#include "common/http/basic_auth.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace sf::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

class proxy_category_impl : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "proxy"; }
  std::string message(int e) const override {
    switch (static_cast<proxy_errc>(e)) {
      case proxy_errc::refused: return "the proxy refused the tunnel";
      case proxy_errc::auth_required: return "the proxy wants (other) credentials";
      case proxy_errc::bad_answer: return "the proxy's answer is not HTTP";
      case proxy_errc::closed: return "the proxy closed the connection";
    }
    return "proxy error";
  }
};

}  // namespace

const boost::system::error_category& proxy_category() {
  static const proxy_category_impl category;
  return category;
}

std::string authority_of(const url& target) {
  if (target.host.find(':') != std::string::npos) return "[" + target.host + "]:" + target.port;
  return target.host + ":" + target.port;
}

std::string proxy_auth_hint(const proxy_endpoint& proxy) {
  if (proxy.user.empty())
    return "the proxy wants credentials: name the user in proxy_url (http://user@host:port) and give the "
           "password in proxy_password_file";
  return "the proxy rejected user '" + proxy.user + "': check proxy_password_file";
}

asio::awaitable<tunnel_result> open_tunnel(beast::tcp_stream& stream, const proxy_endpoint& proxy,
                                           const url& target, const std::string& user_agent) {
  tunnel_result r;
  const std::string authority = authority_of(target);
  const std::string where = "proxy " + proxy.display() + " (CONNECT " + authority + ")";
  bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, authority, 11};
  req.set(bhttp::field::host, authority);
  req.set(bhttp::field::user_agent, user_agent);
  if (!proxy.user.empty())
    req.set(bhttp::field::proxy_authorization, basic_authorization(proxy.user, proxy.password));
  auto [wec, wn] = co_await bhttp::async_write(stream, req, tuple_awaitable);
  if (wec) {
    r.ec = wec;
    r.error = "sending to " + where + " failed: " + wec.message();
    co_return r;
  }
  // A 2xx answer to CONNECT has no body (RFC 9110 9.3.6), and a refusal's body is of no use: read the header.
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);
  beast::flat_buffer buffer;
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, tuple_awaitable);
  if (rec) {
    if (rec == bhttp::error::end_of_stream || rec == asio::error::eof ||
        rec == asio::error::connection_reset) {
      r.ec = proxy_errc::closed;
      r.error = where + " closed the connection without answering";
    } else if (rec == beast::error::timeout) {
      r.ec = rec;
      r.error = where + " did not answer: timed out";
    } else if (rec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
      r.ec = proxy_errc::bad_answer;
      r.error = where + " answered something that is not HTTP: " + rec.message();
    } else {
      r.ec = rec;
      r.error = "reading the answer of " + where + " failed: " + rec.message();
    }
    co_return r;
  }
  const auto& res = parser.get();
  r.status = res.result_int();
  const std::string status_text = std::to_string(r.status) + " " + std::string(res.reason());
  // 407 is the standard answer; tinyproxy answers 401 to wrong credentials (to CONNECT, only the proxy
  // answers).
  if (r.status == 407 || r.status == 401) {
    r.ec = proxy_errc::auth_required;
    r.error = where + " answered " + status_text + ": " + proxy_auth_hint(proxy);
  } else if (r.status < 200 || r.status > 299) {
    r.ec = proxy_errc::refused;
    r.error = where + " refused the tunnel: " + status_text;
  } else if (buffer.size() != 0) {
    // TLS speaks first from our side: bytes before it are not the target's.
    r.ec = proxy_errc::bad_answer;
    r.error = where + " sent bytes after " + status_text + " before the TLS handshake";
  }
  co_return r;
}

}  // namespace sf::http
