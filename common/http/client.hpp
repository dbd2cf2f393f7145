// An HTTP/1.1 client for one origin: keep-alive, verified TLS, one deadline per exchange, cancellable.
#pragma once

#include "common/http/connection_step.hpp"
#include "common/http/pieces_body.hpp"
#include "common/http/proxy_choice.hpp"
#include "common/http/resolver.hpp"
#include "common/http/tls_context.hpp"
#include "common/http/url.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sf::http {

namespace bhttp = boost::beast::http;
// Every request has a pieces body: a string assigned to it is one piece it owns, and a bulk body views the
// documents it sends (that memory must outlive the exchange). One body type keeps one instantiation of
// Beast's write path (a second one, string_body beside it, was 440 KB of code).
using request = bhttp::request<pieces_body>;
using response = bhttp::response<bhttp::string_body>;

struct client_options {
  std::string ca_file;  // a PEM file of extra trust anchors; TLS is always verified
  client_identity identity;            // shown to servers that ask for a client certificate; empty: none
  std::string ca_trusted_fingerprint;  // hex SHA-256 of a CA trusted when the server presents it; "": none
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // the whole exchange: lookup to last byte
  std::uint64_t max_response_bytes = 256ull * 1024 * 1024;
  std::string user_agent = "scaleft-forwarder/" SF_VERSION;
  blocking_resolve_fn resolve;  // empty: getaddrinfo (tests stall it); bounded by `timeout` either way
  connection_observer on_step;  // hears each step of every connect (test-connection); empty: none
  // proxy_url and its password; an empty url leaves the choice to HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
  proxy_setting proxy;
  std::optional<proxy_environment> environment;  // the proxy variables; empty: the process's (tests set it)
};

struct exchange_result {
  boost::system::error_code ec;  // a transport failure: DNS, connect, TLS, timeout, reset, bad HTTP
  std::string error;             // what failed, for the log
  response res;                  // meaningful only when ok()
  bool ok() const { return !ec; }
};

class client {
 public:
  // Throws std::runtime_error when the CA file or the client identity cannot be loaded, or the chosen proxy
  // URL is unusable (start-up failures). Through a proxy, an https origin is reached by one CONNECT tunnel per
  // connection (TLS end to end, verified against the origin), an http origin by absolute-form requests; a
  // proxy's refusal (a CONNECT answered with other than 2xx, or a 407) is a transport failure naming the proxy
  // and its status.
  client(boost::asio::any_io_executor ex, url origin, client_options opts);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Sends `req` (Host, User-Agent and keep-alive are filled in) and reads the whole response. A request that
  // fails on a reused keep-alive connection before any response byte arrives is sent once more on a fresh
  // connection, since the server may have closed the idle connection in between. One deadline
  // (`timeout`) covers the whole exchange: lookup, connect, TLS, write, read, and that one retry.
  // Cancellation of the awaiting coroutine (terminal, or any when it was recorded before the exchange began)
  // ends it at whatever step it is, with operation_aborted; it is never retried.
  boost::asio::awaitable<exchange_result> send(request req);

  const url& origin() const;
  const proxy_route& route() const;  // direct or through which proxy, and why
  std::uint64_t connections_opened() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sf::http
