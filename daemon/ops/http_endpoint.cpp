// The operator's HTTP endpoint: accept loop and one coroutine per keep-alive connection, all deadlines
// bounded.
#include "daemon/ops/http_endpoint.hpp"

#include "common/http/listen_address.hpp"

#include "common/log/logger.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <charconv>
#include <stdexcept>

namespace sf::ops {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
// A probe or a scraper needs one small request at a time; anything slower or larger is not one of them.
constexpr auto request_deadline = std::chrono::seconds(10);
constexpr std::size_t max_request_bytes = 16 * 1024;
constexpr std::size_t max_connections = 32;
constexpr int max_requests_per_connection = 1000;
}  // namespace

std::optional<tcp::endpoint> listen_endpoint(std::string_view listen) {
  auto parsed = http::parse_listen_address(listen);
  const auto* a = std::get_if<http::listen_address>(&parsed);
  if (!a) return std::nullopt;
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(a->ip, ec);
  if (ec) return std::nullopt;
  return tcp::endpoint(addr, a->port);
}

struct http_endpoint::state : std::enable_shared_from_this<http_endpoint::state> {
  state(asio::any_io_executor ex, http_handler h) : executor(ex), acceptor(ex), handler(std::move(h)) {}

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!stopped) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (stopped) break;
      if (ec) {
        // EMFILE and the like: wait a little instead of spinning on the error.
        log::warn("metrics endpoint: accept failed", {{"error", ec.message()}});
        asio::steady_timer t(executor, std::chrono::milliseconds(100));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      if (connections.size() >= max_connections) continue;  // the socket closes as it goes out of scope
      auto it = connections.emplace(connections.end(), std::move(socket));
      asio::co_spawn(executor, serve(it), [self, it](std::exception_ptr ep) {
        if (ep) {
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            log::warn("metrics endpoint: connection failed", {{"error", e.what()}});
          }
        }
        self->connections.erase(it);
      });
    }
  }

  asio::awaitable<void> serve(std::list<beast::tcp_stream>::iterator it) {
    beast::tcp_stream& stream = *it;
    beast::flat_buffer buffer;
    for (int n = 0; n < max_requests_per_connection && !stopped; ++n) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(max_request_bytes);
      parser.body_limit(max_request_bytes);
      stream.expires_after(request_deadline);
      auto [rec, read] =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (rec) break;  // closed, timed out or not HTTP: nothing to answer
      const auto& req = parser.get();
      http_reply reply = handler(std::string_view(req.method_string()), std::string_view(req.target()));
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), req.version()};
      res.set(bhttp::field::server, "scaleft-forwarder");
      res.set(bhttp::field::content_type, reply.content_type);
      res.set(bhttp::field::cache_control, "no-store");
      res.keep_alive(req.keep_alive());
      if (req.method() != bhttp::verb::head) res.body() = std::move(reply.body);
      res.prepare_payload();
      if (req.method() == bhttp::verb::head) res.content_length(reply.body.size());
      stream.expires_after(request_deadline);
      auto [wec, written] = co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      if (wec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  asio::any_io_executor executor;
  tcp::acceptor acceptor;
  http_handler handler;
  std::list<beast::tcp_stream> connections;
  bool stopped = false;
};

http_endpoint::http_endpoint(asio::any_io_executor ex, std::string_view listen, http_handler handler)
    : state_(std::make_shared<state>(ex, std::move(handler))) {
  auto ep = listen_endpoint(listen);
  if (!ep) throw std::runtime_error("http.listen is not host:port: " + std::string(listen));
  boost::system::error_code ec;
  state_->acceptor.open(ep->protocol(), ec);
  if (!ec) state_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) state_->acceptor.bind(*ep, ec);
  if (!ec) state_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + std::string(listen) + ": " + ec.message());
}

http_endpoint::~http_endpoint() {
  stop();
}

unsigned short http_endpoint::port() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}

void http_endpoint::start() {
  asio::co_spawn(state_->executor, state_->accept_loop(), [](std::exception_ptr ep) {
    if (!ep) return;
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      log::error("metrics endpoint: the accept loop failed; /healthz and /metrics are down",
                 {{"error", e.what()}});
    }
  });
}

void http_endpoint::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ec;
  state_->acceptor.close(ec);
  for (auto& c : state_->connections) c.socket().close(ec);
}

}  // namespace sf::ops
