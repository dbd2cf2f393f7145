// TLS tests of http::client: a CA and server certificates made with `openssl` in a temp dir, verification on.
#include "tests/http/client_fixture.hpp"
#include "tests/support/test_pki.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

namespace sf::http::test {
namespace {

namespace beast = boost::beast;

using sf::test::test_pki;

class ClientTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new test_pki();
    ASSERT_TRUE(pki_->ok()) << "openssl could not make a CA";
    ASSERT_TRUE(pki_->issue("loopback", "IP:127.0.0.1"));
    ASSERT_TRUE(pki_->issue("elsewhere", "IP:127.0.0.2, DNS:es.example.internal"));
    ASSERT_TRUE(pki_->issue("localname", "DNS:localhost"));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void start(const std::string& cert) {
    sfsim::server_options so;
    so.tls = sfsim::make_server_tls(pki_->path(cert + ".pem"), pki_->path(cert + ".key"));
    server_.emplace(
        io_, any_loopback_port(),
        [](sfsim::request& req) { return text_reply("secure " + std::string(req.target())); }, so);
    server_->start();
  }

  exchange_result send_with(const client_options& o, const std::string& host = "127.0.0.1") {
    return send_once(io_, loopback_url(*server_, true, host), o, get("/x"));
  }

  static client_options with_ca() {
    client_options o;
    o.timeout = 3s;
    o.ca_file = pki_->path("ca.pem");
    return o;
  }

  static test_pki* pki_;
  asio::io_context io_;
  std::optional<sfsim::http_server> server_;
};

test_pki* ClientTls::pki_ = nullptr;

TEST_F(ClientTls, WithoutTheCaTheHandshakeFails) {
  start("loopback");
  client_options o;
  o.timeout = 3s;
  auto r = send_with(o);
  EXPECT_FALSE(r.ok()) << "an unknown CA was accepted: verification is off";
  EXPECT_NE(r.error.find("TLS handshake"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
}

TEST_F(ClientTls, WithTheCaTheExchangeSucceeds) {
  start("loopback");
  auto r = send_with(with_ca());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.res.body(), "secure /x");
}

TEST_F(ClientTls, KeepAliveWorksOverTls) {
  start("loopback");
  client c(io_.get_executor(), loopback_url(*server_, true), with_ca());
  int good = 0;
  ASSERT_TRUE(run_bounded(io_, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      auto r = co_await c.send(get("/k" + std::to_string(i)));
      if (r.ok() && r.res.body() == "secure /k" + std::to_string(i)) ++good;
    }
  }()));
  EXPECT_EQ(good, 5);
  EXPECT_EQ(c.connections_opened(), 1u);
  EXPECT_EQ(server_->connections_accepted(), 1u);
}

TEST_F(ClientTls, ACertificateForAnotherAddressFailsEvenWithTheRightCa) {
  start("elsewhere");
  auto r = send_with(with_ca());
  EXPECT_FALSE(r.ok()) << "a certificate for 127.0.0.2 was accepted for 127.0.0.1";
  EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
}

TEST_F(ClientTls, HostNamesAreCheckedToo) {
  // "localhost" matches a DNS name, never an IP address entry, and vice versa.
  start("localname");
  auto by_name = send_with(with_ca(), "localhost");
  EXPECT_TRUE(by_name.ok()) << by_name.error;
  auto by_ip = send_with(with_ca(), "127.0.0.1");
  EXPECT_FALSE(by_ip.ok()) << "a certificate for DNS:localhost was accepted for the IP address";
}

TEST_F(ClientTls, PlainHttpServerFailsTheHandshakeQuickly) {
  sfsim::http_server plain(io_, any_loopback_port(), [](sfsim::request&) { return text_reply("plain"); });
  plain.start();
  client c(io_.get_executor(), loopback_url(plain, true), with_ca());
  exchange_result out;
  out.ec = boost::asio::error::would_block;
  const auto t0 = clock_type::now();
  ASSERT_TRUE(run_bounded(io_, [&]() -> asio::awaitable<void> { out = co_await c.send(get("/")); }()));
  EXPECT_FALSE(out.ok());
  EXPECT_LT(clock_type::now() - t0, 9s);
}

TEST(ClientTlsHandshake, AStalledHandshakeTimesOutAndCanBeCancelled) {
  // A peer that accepts TCP and never answers the ClientHello.
  asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, any_loopback_port());
  boost::asio::ip::tcp::socket held(io);
  acceptor.async_accept(held, [](boost::system::error_code) {});
  const auto origin = *parse_url("https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));

  client_options o;
  o.timeout = 300ms;
  client timed(io.get_executor(), origin, o);
  exchange_result out;
  out.ec = boost::asio::error::would_block;
  auto t0 = clock_type::now();
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> { out = co_await timed.send(get("/")); }()));
  auto took = clock_type::now() - t0;
  EXPECT_EQ(out.ec, beast::error::timeout) << out.ec.message();
  EXPECT_LT(took, 900ms);
  io.restart();

  held.close();
  acceptor.async_accept(held, [](boost::system::error_code) {});
  o.timeout = 10s;
  client cancelled(io.get_executor(), origin, o);
  out = {};
  out.ec = boost::asio::error::would_block;
  t0 = clock_type::now();
  ASSERT_TRUE(run_cancelled_after(
      io, [&]() -> asio::awaitable<void> { out = co_await cancelled.send(get("/")); }(), 100ms, 5s));
  EXPECT_EQ(out.ec, boost::asio::error::operation_aborted) << out.ec.message();
  EXPECT_LT(clock_type::now() - t0, 2s);
}

}  // namespace
}  // namespace sf::http::test
