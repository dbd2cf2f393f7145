// A small HTTP/1.1 server for the simulators: one handler function, keep-alive, optional TLS,
// and transport faults (reset, stall, trickle) that a handler asks for per response.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sfsim {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

// How a response leaves the server. Everything but `normal` is a fault a test asked for.
enum class delivery {
  normal,
  reset_before_response,  // read the request, then close with RST and send nothing
  reset_mid_body,         // send headers and half the body (Content-Length promises all), then RST
  stall,                  // wait `delay` before sending anything (the client should time out first)
  trickle,                // send the response `trickle_chunk` bytes at a time, `delay` apart
};

struct reply {
  response res;
  delivery how = delivery::normal;
  std::chrono::milliseconds delay{0};
  std::size_t trickle_chunk = 64;
  bool close_after = false;  // close the connection after this response
};

struct server_options {
  std::size_t max_header_bytes = 64 * 1024;
  // A request whose declared body exceeds this gets 413 with an empty body and the connection closed,
  // before the body is read (as Elasticsearch does).
  std::uint64_t max_body_bytes = 16 * 1024 * 1024;
  std::chrono::seconds idle_timeout{60};
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
  // Headers set on every response, including the 413 the server sends on its own (e.g. X-elastic-product).
  std::vector<std::pair<std::string, std::string>> common_headers;
};

using handler = std::function<reply(request&)>;

class http_server {
 public:
  http_server(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& listen, handler h,
              server_options opts = {});
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const;
  std::uint64_t connections_accepted() const;
  void start();
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// Parses "host:port" (host may be [v6]); throws std::invalid_argument naming the bad text.
boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text);

// Builds a TLS server context from PEM files; throws std::runtime_error naming the file on failure. With
// `client_ca_file`, clients must present a certificate issued by one of its CAs (as Elasticsearch's
// `xpack.security.http.ssl.client_authentication: required`): the handshake fails without one.
std::shared_ptr<boost::asio::ssl::context> make_server_tls(const std::string& cert_file,
                                                           const std::string& key_file,
                                                           const std::string& client_ca_file = {});

// Writes "http(s)://host:port" for the bound endpoint to `path` (atomically) and to stdout, so that
// tests and scripts that started the simulator on port 0 can find it.
void announce_endpoint(const boost::asio::ip::tcp::endpoint& ep, bool tls, const std::string& path);

}  // namespace sfsim
