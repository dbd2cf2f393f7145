// The operator's HTTP endpoint: a small HTTP/1.1 server on the event loop for /healthz, /readyz, /metrics.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sf::ops {

struct http_reply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Routes one request. Pure: the endpoint's own I/O is apart, so the routing is tested without sockets.
using http_handler = std::function<http_reply(std::string_view method, std::string_view target)>;

// Parses "host:port" (IPv4, [IPv6] or localhost, as config validates). nullopt when it is none of these.
std::optional<boost::asio::ip::tcp::endpoint> listen_endpoint(std::string_view listen);

class http_endpoint {
 public:
  // Binds at once. Throws std::runtime_error (start-up) when the address is invalid or cannot be bound.
  http_endpoint(boost::asio::any_io_executor ex, std::string_view listen, http_handler handler);
  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  unsigned short port() const;
  void start();  // accepts until stop(); every connection is its own coroutine, logged when it fails
  void stop();   // closes the listener and every open connection

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace sf::ops
