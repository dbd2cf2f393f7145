// From connection steps to checks: order, what a missing step means, the TLS line, and each hint.
#include "daemon/connection_test/transport_checks.hpp"

#include <gtest/gtest.h>

namespace sf::connection_test {
namespace {

using http::connection_step;
using http::step_kind;

constexpr std::int64_t now = 1796083200;  // 2026-12-01T00:00:00Z

transport_context tls_ctx() {
  transport_context c;
  c.tls = true;
  c.url_key = "source.url";
  c.ca_key = "source.ca_file";
  c.now_unix = now;
  return c;
}

http::certificate_info cert(std::int64_t not_after) { return {"CN=app.scaleft.com", "CN=Some CA", not_after}; }

TEST(TransportChecks, TheTlsLineNamesVersionSubjectAndDaysLeft) {
  EXPECT_EQ(utc_date(now), "2026-12-01");
  EXPECT_EQ(describe_tls("TLSv1.3", cert(now + 89 * 86400 + 5), now),
            "TLSv1.3, CN=app.scaleft.com, expires 2027-02-28 (89 days)");
  EXPECT_EQ(describe_tls("TLSv1.2", cert(now + 86400), now), "TLSv1.2, CN=app.scaleft.com, expires 2026-12-02 (1 day)");
  // Days to the nearest: a 30-day certificate seconds after issue still has 30.
  EXPECT_EQ(describe_tls("TLSv1.3", cert(now + 30 * 86400 - 3), now),
            "TLSv1.3, CN=app.scaleft.com, expires 2026-12-30 (30 days)");
  EXPECT_EQ(describe_tls("TLSv1.3", cert(now - 2 * 86400), now),
            "TLSv1.3, CN=app.scaleft.com, expired 2026-11-29 (2 days ago)");
  EXPECT_EQ(describe_tls("TLSv1.3", std::nullopt, now), "TLSv1.3");
}

TEST(TransportChecks, AllStepsOkInOrderWithProxyNotConfigured) {
  std::vector<connection_step> steps = {{step_kind::dns, true, "10.0.0.1:443", {}},
                                        {step_kind::tcp, true, "10.0.0.1:443", {}},
                                        {step_kind::tls, true, "TLSv1.3", cert(now + 10 * 86400)}};
  auto c = transport_checks(steps, tls_ctx());
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].step, "dns");
  EXPECT_EQ(c[1].step, "tcp");
  EXPECT_EQ(c[2].step, "proxy");
  EXPECT_EQ(c[2].status, check_status::skipped);
  EXPECT_EQ(c[2].detail, "not configured");
  EXPECT_EQ(c[3].status, check_status::ok);
  EXPECT_EQ(c[3].detail, "TLSv1.3, CN=app.scaleft.com, expires 2026-12-11 (10 days)");
  EXPECT_TRUE(connected(c));
}

TEST(TransportChecks, OnlyTheFirstConnectCounts) {
  std::vector<connection_step> steps = {{step_kind::dns, true, "a", {}}, {step_kind::tcp, true, "first", {}},
                                        {step_kind::tls, true, "TLSv1.3", cert(now)},
                                        {step_kind::dns, false, "later", {}}};
  auto c = transport_checks(steps, tls_ctx());
  EXPECT_EQ(c[0].status, check_status::ok);
  EXPECT_EQ(c[1].detail, "first");
}

TEST(TransportChecks, ARefusedConnectNamesThePortAndLeavesTlsNotReached) {
  std::vector<connection_step> steps = {{step_kind::dns, true, "127.0.0.1:1", {}},
                                        {step_kind::tcp, false, "cannot connect to https://x:1: Connection refused", {}}};
  auto c = transport_checks(steps, tls_ctx());
  EXPECT_EQ(c[1].status, check_status::failed);
  EXPECT_EQ(c[1].hint, "nothing listens there: check the host and port in source.url");
  EXPECT_EQ(c[3].status, check_status::skipped);
  EXPECT_EQ(c[3].detail, "not reached");
  EXPECT_FALSE(connected(c));
  steps[1].detail = "cannot connect to https://x:1: Operation timed out";
  EXPECT_NE(transport_checks(steps, tls_ctx())[1].hint.find("proxy_url"), std::string::npos);
}

TEST(TransportChecks, AFailedLookupPointsAtTheHostName) {
  auto c = transport_checks({{step_kind::dns, false, "cannot resolve nowhere: Host not found", {}}}, tls_ctx());
  EXPECT_EQ(c[0].status, check_status::failed);
  EXPECT_NE(c[0].hint.find("source.url"), std::string::npos);
  EXPECT_EQ(c[1].detail, "not reached");
}

TEST(TransportChecks, AVerificationFailureNamesTheCaKeyAndThePresentedCertificate) {
  std::vector<connection_step> steps = {
      {step_kind::dns, true, "a", {}},
      {step_kind::tcp, true, "a", {}},
      {step_kind::tls, false, "TLS handshake failed (certificate: unable to get local issuer certificate)", cert(now)}};
  auto c = transport_checks(steps, tls_ctx());
  EXPECT_EQ(c[3].status, check_status::failed);
  EXPECT_EQ(c[3].detail,
            "TLS handshake failed (certificate: unable to get local issuer certificate); the server presented "
            "CN=app.scaleft.com, issued by CN=Some CA");
  EXPECT_EQ(c[3].hint, "set source.ca_file to the CA that signed the server's certificate, or check the proxy");
  steps[2].detail = "TLS handshake failed: wrong version number";
  steps[2].certificate.reset();
  EXPECT_EQ(transport_checks(steps, tls_ctx())[3].hint, "check that source.url names a TLS (https) port");
}

TEST(TransportChecks, PlainHttpAndAConfiguredProxy) {
  transport_context ctx = tls_ctx();
  ctx.tls = false;
  std::vector<connection_step> steps = {{step_kind::dns, true, "a", {}}, {step_kind::tcp, true, "a", {}}};
  auto c = transport_checks(steps, ctx);
  EXPECT_EQ(c[3].detail, "plain http");
  EXPECT_EQ(c[3].status, check_status::skipped);
  ctx.proxy_configured = true;
  steps.push_back({step_kind::proxy, false, "the proxy answered 407", {}});
  c = transport_checks(steps, ctx);
  EXPECT_EQ(c[2].status, check_status::failed);
  EXPECT_NE(c[2].hint.find("proxy_url"), std::string::npos);
  EXPECT_FALSE(connected(c));
}

}  // namespace
}  // namespace sf::connection_test
