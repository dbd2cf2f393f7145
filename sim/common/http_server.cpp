// The simulators' HTTP/1.1 server: accept loop, keep-alive sessions, TLS, and injected transport faults.
#include "sim/common/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace sfsim {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

// Closing with SO_LINGER 0 sends RST instead of FIN: what a crashed or reset peer looks like.
void reset_connection(tcp::socket& s) {
  boost::system::error_code ec;
  s.set_option(asio::socket_base::linger(true, 0), ec);
  s.close(ec);
}

std::string serialize(const response& res) {
  std::ostringstream os;
  os << res;
  return std::move(os).str();
}

response plain_status(http::status st, unsigned version, const server_options& opts) {
  response res{st, version};
  for (const auto& [k, v] : opts.common_headers) res.set(k, v);
  res.set(http::field::connection, "close");
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

}  // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, const tcp::endpoint& ep, handler h, server_options o)
      : io_(io), acceptor_(io), handler_(std::move(h)), opts_(std::move(o)) {
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!stopped_) {
      auto [ec, sock] = co_await acceptor_.async_accept(tuple_awaitable);
      if (ec) {
        if (stopped_ || ec == asio::error::operation_aborted) co_return;
        continue;  // EMFILE and friends: keep serving the connections we have
      }
      ++accepted_;
      sock.set_option(tcp::no_delay(true));
      if (opts_.tls) {
        asio::co_spawn(io_, tls_session(std::move(sock)), report_failure);
      } else {
        asio::co_spawn(io_, session(beast::tcp_stream(std::move(sock))), report_failure);
      }
    }
  }

  static void report_failure(std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::cerr << "sim http_server: session failed: " << ex.what() << "\n";
    }
  }

  asio::awaitable<void> tls_session(tcp::socket sock) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(sock)), *opts_.tls);
    beast::get_lowest_layer(stream).expires_after(opts_.idle_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    if (ec) co_return;
    co_await session(std::move(stream));
  }

  template <class Stream>
  asio::awaitable<void> session(Stream stream) {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    // Beast reads at most the buffer's free capacity per receive and the parser drains body bytes out of it,
    // so an unreserved buffer took 1.5 MB bulk bodies in 512-byte recvmsg calls (each re-arming the timer).
    buffer.reserve(64 * 1024);
    auto& socket = beast::get_lowest_layer(stream).socket();
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opts_.max_header_bytes));
      parser.body_limit(opts_.max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(opts_.idle_timeout);
      auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
      if (hec) co_return;
      const unsigned version = parser.get().version();
      if (auto len = parser.content_length(); len && *len > opts_.max_body_bytes) {
        co_await write_all(stream, serialize(plain_status(http::status::payload_too_large, version, opts_)));
        reset_connection(socket);
        co_return;
      }
      // curl and other libcurl clients wait for "100 Continue" before sending a large body.
      if (auto expect = parser.get().find(http::field::expect);
          expect != parser.get().end() && beast::iequals(expect->value(), "100-continue")) {
        if (!co_await write_all(stream, std::string_view("HTTP/1.1 100 Continue\r\n\r\n"))) co_return;
      }
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
      if (bec == http::error::body_limit) {
        co_await write_all(stream, serialize(plain_status(http::status::payload_too_large, version, opts_)));
        reset_connection(socket);
        co_return;
      }
      if (bec) co_return;
      request req = parser.release();
      const bool keep_alive = req.keep_alive();

      reply r;
      try {
        r = handler_(req);
      } catch (const std::exception& e) {
        r.res = response{http::status::internal_server_error, version};
        r.res.set(http::field::content_type, "text/plain");
        r.res.body() = std::string("simulator handler failed: ") + e.what();
      }
      r.res.version(version);
      for (const auto& [k, v] : opts_.common_headers)
        if (r.res.find(k) == r.res.end()) r.res.set(k, v);
      r.res.keep_alive(keep_alive && !r.close_after);
      if (!r.res.has_content_length() && !r.res.chunked()) r.res.prepare_payload();

      switch (r.how) {
        case delivery::normal: {
          auto [wec, wn] = co_await http::async_write(stream, r.res, tuple_awaitable);
          if (wec) co_return;
          break;
        }
        case delivery::reset_before_response:
          reset_connection(socket);
          co_return;
        case delivery::reset_mid_body: {
          std::string bytes = serialize(r.res);
          const std::size_t header_len = bytes.size() - r.res.body().size();
          bytes.resize(header_len + r.res.body().size() / 2);
          co_await write_all(stream, bytes);
          reset_connection(socket);
          co_return;
        }
        case delivery::stall: {
          asio::steady_timer t(io_, r.delay);
          co_await t.async_wait(tuple_awaitable);
          if (!socket.is_open()) co_return;
          auto [wec, wn] = co_await http::async_write(stream, r.res, tuple_awaitable);
          if (wec) co_return;
          break;
        }
        case delivery::trickle: {
          const std::string bytes = serialize(r.res);
          const std::size_t chunk = std::max<std::size_t>(1, r.trickle_chunk);
          for (std::size_t off = 0; off < bytes.size(); off += chunk) {
            beast::get_lowest_layer(stream).expires_after(opts_.idle_timeout);
            if (!co_await write_all(stream, std::string_view(bytes).substr(off, chunk))) co_return;
            asio::steady_timer t(io_, r.delay);
            co_await t.async_wait(tuple_awaitable);
          }
          break;
        }
      }
      if (!r.res.keep_alive()) {
        boost::system::error_code ec;
        socket.shutdown(tcp::socket::shutdown_send, ec);
        co_return;
      }
    }
  }

  template <class Stream>
  asio::awaitable<bool> write_all(Stream& stream, std::string_view bytes) {
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), tuple_awaitable);
    co_return !ec;
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  handler handler_;
  server_options opts_;
  std::uint64_t accepted_ = 0;
  bool stopped_ = false;
};

http_server::http_server(asio::io_context& io, const tcp::endpoint& listen, handler h, server_options opts)
    : impl_(std::make_shared<impl>(io, listen, std::move(h), std::move(opts))) {}

http_server::~http_server() { stop(); }

tcp::endpoint http_server::local_endpoint() const { return impl_->acceptor_.local_endpoint(); }
std::uint64_t http_server::connections_accepted() const { return impl_->accepted_; }

void http_server::start() { asio::co_spawn(impl_->io_, impl_->accept_loop(), impl::report_failure); }

void http_server::stop() {
  if (!impl_ || impl_->stopped_) return;
  impl_->stopped_ = true;
  boost::system::error_code ec;
  impl_->acceptor_.close(ec);
}

tcp::endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("listen address '" + text + "' has no :port");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("listen address '" + text + "': '" + host + "' is not an IP address");
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port > 65535) throw std::invalid_argument("range");
  } catch (const std::exception&) {
    throw std::invalid_argument("listen address '" + text + "': bad port");
  }
  return {addr, static_cast<unsigned short>(port)};
}

std::shared_ptr<asio::ssl::context> make_server_tls(const std::string& cert_file, const std::string& key_file,
                                                    const std::string& client_ca_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) throw std::runtime_error("TLS certificate " + cert_file + ": " + ec.message());
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("TLS key " + key_file + ": " + ec.message());
  if (!client_ca_file.empty()) {
    ctx->load_verify_file(client_ca_file, ec);
    if (ec) throw std::runtime_error("TLS client CA " + client_ca_file + ": " + ec.message());
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

void announce_endpoint(const tcp::endpoint& ep, bool tls, const std::string& path) {
  std::ostringstream url;
  url << (tls ? "https://" : "http://");
  if (ep.address().is_v6()) url << '[' << ep.address().to_string() << ']';
  else url << ep.address().to_string();
  url << ':' << ep.port();
  if (!path.empty()) {
    const std::string tmp = path + ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << url.str() << "\n";
      if (!f) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path);
  }
  std::cout << "listening " << url.str() << std::endl;
}

}  // namespace sfsim
