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

  void start(const std::string& cert, sfsim::handler h = [](sfsim::request& req) {
    return text_reply("secure " + std::string(req.target()));
  }) {
    sfsim::server_options so;
    so.tls = sfsim::make_server_tls(pki_->path(cert + ".pem"), pki_->path(cert + ".key"));
    server_.emplace(io_, any_loopback_port(), std::move(h), so);
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

// Over TLS a body of pieces goes through pieces_body's staging buffer (small pieces copied, large ones
// as they are): it arrives as their concatenation.
TEST_F(ClientTls, PiecesBodyArrivesWholeAndInOrderOverTls) {
  std::string seen_body;
  start("loopback", [&](sfsim::request& req) {
    seen_body = req.body();
    return text_reply("ok");
  });
  auto p = mixed_pieces(4000);
  ASSERT_GT(p->expected.size(), 2 * pieces_body::writer::stage_bytes);
  auto r = send_once(io_, loopback_url(*server_, true), with_ca(), std::move(p->req));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(seen_body, p->expected);
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

TEST_F(ClientTls, TheObserverHearsEachStepWithTheServersCertificate) {
  start("loopback");
  std::vector<connection_step> steps;
  client_options o = with_ca();
  o.on_step = [&](const connection_step& s) { steps.push_back(s); };
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  auto r = send_with(o);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].kind, step_kind::dns);
  EXPECT_EQ(steps[0].detail, "127.0.0.1:" + std::to_string(server_->local_endpoint().port()));
  EXPECT_EQ(steps[1].kind, step_kind::tcp);
  EXPECT_TRUE(steps[1].ok);
  EXPECT_EQ(steps[1].detail, "127.0.0.1:" + std::to_string(server_->local_endpoint().port()));
  EXPECT_EQ(steps[2].kind, step_kind::tls);
  EXPECT_TRUE(steps[2].ok);
  EXPECT_EQ(steps[2].detail.rfind("TLSv1.", 0), 0u) << steps[2].detail;
  ASSERT_TRUE(steps[2].certificate);
  EXPECT_EQ(steps[2].certificate->subject, "CN=loopback");
  EXPECT_EQ(steps[2].certificate->issuer, "CN=scaleft-forwarder test CA ca");
  // `openssl x509 -days 2`: expires two days from now (give or take the clock's second).
  EXPECT_NEAR(static_cast<double>(steps[2].certificate->not_after_unix - before), 2 * 86400.0, 120.0);
}

TEST_F(ClientTls, AFailedVerificationStillNamesTheCertificate) {
  start("loopback");
  std::vector<connection_step> steps;
  client_options o;
  o.timeout = 3s;
  o.on_step = [&](const connection_step& s) { steps.push_back(s); };
  auto r = send_with(o);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_TRUE(steps[1].ok);
  EXPECT_EQ(steps[2].kind, step_kind::tls);
  EXPECT_FALSE(steps[2].ok);
  EXPECT_EQ(steps[2].detail, r.error);
  ASSERT_TRUE(steps[2].certificate) << "the presented certificate is known even though it was refused";
  EXPECT_EQ(steps[2].certificate->subject, "CN=loopback");
}

TEST(ClientSteps, PlainHttpHasNoTlsStepAndARefusedConnectIsAFailedTcpStep) {
  asio::io_context io;
  sfsim::http_server plain(io, any_loopback_port(), [](sfsim::request&) { return text_reply("plain"); });
  plain.start();
  std::vector<connection_step> steps;
  client_options o;
  o.timeout = 3s;
  o.on_step = [&](const connection_step& s) { steps.push_back(s); };
  client c(io.get_executor(), loopback_url(plain, false), o);
  exchange_result out;
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> { out = co_await c.send(get("/")); }()));
  ASSERT_TRUE(out.ok()) << out.error;
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[1].kind, step_kind::tcp);
  // A second exchange reuses the connection: no new steps.
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> { out = co_await c.send(get("/")); }()));
  EXPECT_EQ(steps.size(), 2u);

  // Nothing listens on a port just closed.
  boost::asio::ip::tcp::acceptor closed(io, any_loopback_port());
  const auto port = closed.local_endpoint().port();
  closed.close();
  steps.clear();
  client refused(io.get_executor(), *parse_url("http://127.0.0.1:" + std::to_string(port)), o);
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> { out = co_await refused.send(get("/")); }()));
  ASSERT_FALSE(out.ok());
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_TRUE(steps[0].ok);
  EXPECT_EQ(steps[1].kind, step_kind::tcp);
  EXPECT_FALSE(steps[1].ok);
  EXPECT_NE(steps[1].detail.find("refused"), std::string::npos) << steps[1].detail;
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
