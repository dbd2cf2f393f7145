// HTTP client exchange: resolve, connect, TLS with host verification, write, read, keep-alive reuse.
#include "common/http/client.hpp"

#include "common/http/basic_auth.hpp"
#include "common/http/gathered_write.hpp"
#include "common/http/proxy_tunnel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <type_traits>

namespace sf::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk = 64 * 1024;

namespace {

// "127.0.0.1:9200, [::1]:9200": what a lookup found or a connect reached, for the connection trace.
std::string describe_endpoints(const endpoints& eps) {
  std::string out;
  for (const auto& ep : eps) {
    if (!out.empty()) out += ", ";
    const auto a = ep.address();
    out += a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    out += ":" + std::to_string(ep.port());
  }
  return out;
}

}  // namespace

struct client::impl {
  impl(asio::any_io_executor ex, url o, client_options opts)
      : executor(ex), origin(std::move(o)), options(std::move(opts)), resolver(ex, options.resolve) {
    if (origin.tls())
      tls_context.emplace(
          make_client_tls_context(options.ca_file, options.identity, options.ca_trusted_fingerprint));
  }

  void close() {
    boost::system::error_code ec;
    if (tls_stream) beast::get_lowest_layer(*tls_stream).socket().close(ec);
    if (plain_stream) plain_stream->socket().close(ec);
    tls_stream.reset();
    plain_stream.reset();
    buffer.clear();
    connected = false;
  }

  beast::tcp_stream& lowest() { return tls_stream ? beast::get_lowest_layer(*tls_stream) : *plain_stream; }

  using time_point = std::chrono::steady_clock::time_point;

  static std::chrono::milliseconds left(time_point deadline) {
    const auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return std::max(d, std::chrono::milliseconds(1));
  }

  // Tells the observer (if any) how a step of the connect ended; nothing is built when there is none.
  void report(step_kind kind, bool ok, const std::string& detail) {
    if (!options.on_step) return;
    options.on_step(connection_step{kind, ok, detail, kind == step_kind::tls ? presented : std::nullopt});
  }

  asio::awaitable<exchange_result> connect(time_point deadline) {
    exchange_result r;
    // Through a proxy the proxy is dialled; the proxy resolves the origin's name.
    const std::string& dial_host = route.proxy ? route.proxy->host : origin.host;
    const std::string& dial_port = route.proxy ? route.proxy->port : origin.port;
    const std::string dialled = route.proxy ? "proxy " + route.proxy->display() : origin.origin();
    // The lookup counts against the exchange's deadline like every other step; cancellation ends it.
    resolve_result resolved = co_await resolver.resolve(dial_host, dial_port, left(deadline));
    if (resolved.ec) {
      r.ec = resolved.ec;
      r.error = "cannot resolve " + (route.proxy ? "proxy " + dial_host : dial_host) + ": " +
                (resolved.ec == asio::error::timed_out ? std::string("timed out") : resolved.ec.message());
      report(step_kind::dns, false, r.error);
      co_return r;
    }
    if (options.on_step) report(step_kind::dns, true, describe_endpoints(resolved.found));
    beast::tcp_stream stream(executor);
    // The stream's timer runs to the exchange's deadline through connect, TLS, write and read.
    stream.expires_at(deadline);
    // The connect carries the caller's cancellation slot: a peer that never answers the SYN holds no stop.
    auto [cec, ep] = co_await stream.async_connect(resolved.found, tuple_awaitable);
    if (cec) {
      r.ec = cec;
      r.error = "cannot connect to " + dialled + ": " + cec.message();
      report(step_kind::tcp, false, r.error);
      co_return r;
    }
    if (options.on_step) report(step_kind::tcp, true, describe_endpoints({ep}));
    stream.socket().set_option(tcp::no_delay(true));
    ++connections;
    if (route.proxy && origin.tls()) {
      // Under the same deadline and cancellation as the rest; one tunnel per connection, kept with it.
      tunnel_result t = co_await open_tunnel(stream, *route.proxy, origin, options.user_agent);
      if (!t.ok()) {
        r.ec = t.ec;
        r.error = std::move(t.error);
        report(step_kind::proxy, false, r.error);
        co_return r;
      }
      if (options.on_step)
        report(step_kind::proxy, true, "CONNECT " + origin.host + ":" + origin.port + " through " + dialled);
    } else if (route.proxy && options.on_step) {
      report(step_kind::proxy, true, "absolute-form requests through " + dialled);
    }
    if (!origin.tls()) {
      plain_stream.emplace(std::move(stream));
      connected = true;
      co_return r;
    }
    tls_stream.emplace(std::move(stream), *tls_context);
    if (options.on_step) {
      // The server's certificate as it was presented, also when verification refuses it. Verification itself
      // is unchanged: the callback returns OpenSSL's own verdict.
      presented.reset();
      tls_stream->set_verify_callback([this](bool preverified, asio::ssl::verify_context& vc) {
        if (!presented) presented = describe_certificate(X509_STORE_CTX_get0_cert(vc.native_handle()));
        return preverified;
      });
    }
    SSL* ssl = tls_stream->native_handle();
    boost::system::error_code aec;
    asio::ip::make_address(origin.host, aec);
    const bool is_ip = !aec;
    // SNI only for names; the certificate must match the name or IP address we dialled.
    if (!is_ip) SSL_set_tlsext_host_name(ssl, origin.host.c_str());
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (is_ip) X509_VERIFY_PARAM_set1_ip_asc(param, origin.host.c_str());
    else X509_VERIFY_PARAM_set1_host(param, origin.host.c_str(), 0);
    auto [hec] = co_await tls_stream->async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
    if (hec) {
      r.ec = hec;
      r.error = "TLS handshake with " + origin.origin() + " failed: " + hec.message();
      if (route.proxy) r.error += " (through " + dialled + ")";
      if (auto why = certificate_failure(ssl); !why.empty()) r.error += " (certificate: " + why + ")";
      report(step_kind::tls, false, r.error);
      close();
      co_return r;
    }
    report(step_kind::tls, true, SSL_get_version(ssl));
    connected = true;
    co_return r;
  }

  template <class Stream>
  asio::awaitable<exchange_result> exchange(Stream& stream, request& req, bool& got_bytes) {
    exchange_result r;
    boost::system::error_code wec;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      wec = co_await write_gathered(stream, req);  // plain TCP: the kernel gathers the pieces itself
    } else {
      auto [ec, n] = co_await bhttp::async_write(stream, req, tuple_awaitable);
      wec = ec;
    }
    if (wec) {
      r.ec = wec;
      r.error = "sending to " + origin.origin() + " failed: " + wec.message();
      co_return r;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    if (req.method() == bhttp::verb::head) parser.skip(true);
    // Beast reads at most the buffer's free capacity (512 bytes at least) per receive, and the parser moves
    // body bytes out of the buffer, so an unreserved buffer stays small: a 350 KB page took ~700 recvmsg
    // calls, each re-arming the stream's timer (timerfd_settime). 64 KiB is the most Beast reads at once.
    if (buffer.capacity() < read_chunk) buffer.reserve(read_chunk);
    const std::size_t before = buffer.size();
    auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, tuple_awaitable);
    got_bytes = rn > 0 || buffer.size() > before || parser.got_some();
    if (rec) {
      r.ec = rec;
      r.error = "reading the response from " + origin.origin() + " failed: " +
                (rec == beast::error::timeout ? std::string("timed out") : rec.message());
      co_return r;
    }
    r.res = parser.release();
    co_return r;
  }

  static exchange_result aborted() {
    exchange_result r;
    r.ec = asio::error::operation_aborted;
    r.error = "the exchange was cancelled";
    return r;
  }

  asio::awaitable<exchange_result> send(request req) {
    req.version(11);
    req.set(bhttp::field::host, origin.port == (origin.tls() ? "443" : "80") ? origin.host
                                                                              : origin.host + ":" + origin.port);
    if (req.find(bhttp::field::user_agent) == req.end()) req.set(bhttp::field::user_agent, options.user_agent);
    req.keep_alive(true);
    req.prepare_payload();
    const bool absolute_form = route.proxy && !origin.tls();
    if (absolute_form) {
      // Plain http through a proxy: the proxy forwards absolute-form requests (RFC 9112 3.2.2) on a
      // connection kept alive with it; credentials go on each request since any of them may open it.
      req.target(origin.origin() + std::string(req.target()));
      if (!route.proxy->user.empty())
        req.set(bhttp::field::proxy_authorization,
                basic_authorization(route.proxy->user, route.proxy->password));
    }
    const time_point deadline = std::chrono::steady_clock::now() + options.timeout;
    for (int attempt = 0;; ++attempt) {
      // A stop recorded before this step began reached no pending operation: it ends the exchange here.
      // (Read in place, not through a nested coroutine: a caller that throws when cancelled would throw there.)
      if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
        close();
        co_return aborted();
      }
      const bool reused = connected;
      if (!connected) {
        auto c = co_await connect(deadline);
        if (!c.ok()) {
          close();
          co_return c;
        }
      }
      lowest().expires_at(deadline);
      bool got_bytes = false;
      // Not a ?: with a co_await in each branch: GCC 12 destroys the result of such an expression twice.
      exchange_result r;
      if (tls_stream) r = co_await exchange(*tls_stream, req, got_bytes);
      else r = co_await exchange(*plain_stream, req, got_bytes);
      if (r.ok()) {
        lowest().expires_never();
        if (!r.res.keep_alive()) close();
        // Only a proxy answers 407: that is the proxy refusing, not the origin answering.
        if (absolute_form && r.res.result_int() == 407) {
          close();
          r.ec = proxy_errc::auth_required;
          r.error = "proxy " + route.proxy->display() + " answered 407 " + std::string(r.res.reason()) +
                    " to a request for " + origin.origin() + ": " + proxy_auth_hint(*route.proxy);
        }
        co_return r;
      }
      close();
      const bool stale = r.ec == bhttp::error::end_of_stream || r.ec == asio::error::eof ||
                         r.ec == asio::error::connection_reset || r.ec == asio::error::broken_pipe ||
                         r.ec == asio::ssl::error::stream_truncated;
      const bool stopped =
          (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
      if (reused && attempt == 0 && !got_bytes && stale && !stopped) continue;
      if (stopped) r.ec = asio::error::operation_aborted;
      co_return r;
    }
  }

  asio::any_io_executor executor;
  url origin;
  client_options options;
  // After `options`: it is initialised from it (and the environment) before the constructor's body runs.
  proxy_route route = choose_proxy(origin, options.proxy,
                                   options.environment ? *options.environment : proxy_environment::of_process());
  std::optional<asio::ssl::context> tls_context;
  deadline_resolver resolver;
  std::optional<beast::tcp_stream> plain_stream;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream;
  beast::flat_buffer buffer;
  bool connected = false;
  std::uint64_t connections = 0;
  std::optional<certificate_info> presented;  // the last handshake's server certificate (only with on_step)
};

client::client(asio::any_io_executor ex, url origin, client_options opts)
    : impl_(std::make_shared<impl>(ex, std::move(origin), std::move(opts))) {
  if (!impl_->route.error.empty()) throw std::runtime_error(impl_->route.error);
}

client::~client() { impl_->close(); }

asio::awaitable<exchange_result> client::send(request req) {
  auto keep = impl_;  // the exchange may outlive the client when its owner is torn down mid-stop
  co_return co_await keep->send(std::move(req));
}

const url& client::origin() const { return impl_->origin; }
const proxy_route& client::route() const { return impl_->route; }
std::uint64_t client::connections_opened() const { return impl_->connections; }

}  // namespace sf::http
