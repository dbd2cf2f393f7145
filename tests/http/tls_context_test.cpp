// Tests of TLS client contexts: fingerprints (pure), client identities, mutual TLS and the pinned CA on loopback.
#include "common/http/tls_context.hpp"
#include "tests/http/client_fixture.hpp"
#include "tests/support/test_pki.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sf::http::test {
namespace {

using sf::test::test_pki;
using ::testing::HasSubstr;
using ::testing::Not;

sha256_digest counting_digest() {
  sha256_digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<unsigned char>(i * 7 + 3);
  return d;
}

std::string without_colons_lower(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ':'), s.end());
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string problem_of(std::string_view text) {
  std::string problem;
  EXPECT_FALSE(parse_sha256_fingerprint(text, &problem).has_value()) << text;
  return problem;
}

TEST(Fingerprint, TakesColonPairsOrPlainHexInEitherCase) {
  const sha256_digest d = counting_digest();
  const std::string colons = format_fingerprint(d);
  EXPECT_EQ(colons.size(), 32u * 3 - 1);
  EXPECT_EQ(colons.substr(0, 9), "03:0A:11:");
  EXPECT_EQ(parse_sha256_fingerprint(colons), d);
  EXPECT_EQ(parse_sha256_fingerprint(without_colons_lower(colons)), d);
  std::string mixed = without_colons_lower(colons);
  for (std::size_t i = 0; i < mixed.size(); i += 2) mixed[i] = static_cast<char>(std::toupper(mixed[i]));
  EXPECT_EQ(parse_sha256_fingerprint(mixed), d);
  std::string lower_colons = colons;
  std::transform(lower_colons.begin(), lower_colons.end(), lower_colons.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  EXPECT_EQ(parse_sha256_fingerprint(lower_colons), d);
}

TEST(Fingerprint, RefusesWrongLengthsCharactersAndColons) {
  const std::string hex = without_colons_lower(format_fingerprint(counting_digest()));
  EXPECT_THAT(problem_of(hex.substr(0, 40)), HasSubstr("has 40 hex digits"));
  EXPECT_THAT(problem_of(hex.substr(0, 40)), HasSubstr("-sha256"));
  EXPECT_THAT(problem_of(hex + "00"), HasSubstr("has 66 hex digits"));
  EXPECT_THAT(problem_of(""), HasSubstr("has 0 hex digits"));
  EXPECT_THAT(problem_of("g" + hex.substr(1)), HasSubstr("'g', which is not a hex digit"));
  EXPECT_THAT(problem_of("SHA256 Fingerprint=" + hex), HasSubstr("not a hex digit"));
  const std::string colons = format_fingerprint(counting_digest());
  EXPECT_THAT(problem_of(colons + ":"), HasSubstr("pairs"));
  EXPECT_THAT(problem_of(":" + colons), HasSubstr("pairs"));
  EXPECT_THAT(problem_of("030:A" + colons.substr(5)), HasSubstr("pairs"));
  EXPECT_THAT(problem_of("03::0A" + colons.substr(5)), HasSubstr("pairs"));
  EXPECT_THAT(problem_of(colons.substr(3)), HasSubstr("has 62 hex digits"));
}

// The PKI every test below uses: a CA, an unrelated CA, a server certificate for 127.0.0.1, client
// certificates from each CA.
class TlsPki : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new test_pki();
    ASSERT_TRUE(pki_->ok()) << "openssl could not make a CA";
    ASSERT_TRUE(pki_->add_ca("other"));
    ASSERT_TRUE(pki_->issue("srv", "IP:127.0.0.1"));
    ASSERT_TRUE(pki_->issue("cli", "DNS:forwarder", "clientAuth"));
    ASSERT_TRUE(pki_->issue("stranger", "DNS:forwarder", "clientAuth", "other"));
    ASSERT_TRUE(pki_->run("openssl pkey -in cli.key -aes256 -passout pass:hunter2 -out cli-encrypted.key"));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  static client_identity identity(const std::string& cert, const std::string& key) {
    return {pki_->path(cert + ".pem"), pki_->read(key), "file:" + pki_->path(key)};
  }

  void start(const std::string& cert_file, const std::string& client_ca = {}) {
    sfsim::server_options so;
    so.tls = sfsim::make_server_tls(cert_file, pki_->path("srv.key"), client_ca);
    server_.emplace(io_, any_loopback_port(), [](sfsim::request&) { return text_reply("secure"); }, so);
    server_->start();
  }

  exchange_result send_with(const client_options& o, const std::string& host = "127.0.0.1") {
    return send_once(io_, loopback_url(*server_, true, host), o, get("/x"));
  }

  static client_options quick() {
    client_options o;
    o.timeout = 3s;
    return o;
  }

  static test_pki* pki_;
  asio::io_context io_;
  std::optional<sfsim::http_server> server_;
};

test_pki* TlsPki::pki_ = nullptr;

TEST_F(TlsPki, FingerprintsAreFormattedAsOpensslPrintsThem) {
  const std::string printed = pki_->fingerprint("ca");
  ASSERT_FALSE(printed.empty());
  auto parsed = parse_sha256_fingerprint(printed);
  ASSERT_TRUE(parsed.has_value()) << printed;
  EXPECT_EQ(format_fingerprint(*parsed), printed);
}

using ClientIdentity = TlsPki;

TEST_F(ClientIdentity, AMatchingPairLoads) {
  const auto p = check_client_identity(identity("cli", "cli.key"));
  EXPECT_FALSE(p) << p.message;
}

TEST_F(ClientIdentity, AMissingCertificateFileIsNamed) {
  auto id = identity("cli", "cli.key");
  id.certificate_file = pki_->path("nope.pem");
  const auto p = check_client_identity(id);
  EXPECT_EQ(p.at, identity_problem::part::certificate);
  EXPECT_THAT(p.message, HasSubstr("cannot read '" + pki_->path("nope.pem") + "': No such file"));
}

TEST_F(ClientIdentity, AFileWithoutACertificateIsRefused) {
  auto id = identity("cli", "cli.key");
  id.certificate_file = pki_->path("cli.key");
  const auto p = check_client_identity(id);
  EXPECT_EQ(p.at, identity_problem::part::certificate);
  EXPECT_THAT(p.message, HasSubstr("'" + pki_->path("cli.key") + "' holds no usable PEM certificate"));
}

TEST_F(ClientIdentity, TheKeyOfAnotherCertificateIsRefused) {
  const auto p = check_client_identity(identity("cli", "stranger.key"));
  EXPECT_EQ(p.at, identity_problem::part::key);
  EXPECT_THAT(p.message, HasSubstr("the private key from '" + pki_->path("stranger.key") +
                                   "' does not belong to the certificate in '" + pki_->path("cli.pem") + "'"));
}

TEST_F(ClientIdentity, APassphraseProtectedKeyIsRefusedWithoutPrompting) {
  // stdin is not read: a prompt would hang here (ctest gives no terminal) rather than fail.
  const auto p = check_client_identity(identity("cli", "cli-encrypted.key"));
  EXPECT_EQ(p.at, identity_problem::part::key);
  EXPECT_THAT(p.message, HasSubstr("is protected by a passphrase"));
}

TEST_F(ClientIdentity, AnInlineKeyIsNamedButNeverShown) {
  client_identity id{pki_->path("cli.pem"), "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
                     "inline"};
  const auto p = check_client_identity(id);
  EXPECT_EQ(p.at, identity_problem::part::key);
  EXPECT_THAT(p.message, HasSubstr("the private key from the configuration (inline) is not a PEM private key"));
  EXPECT_THAT(p.message, Not(HasSubstr("c2VjcmV0")));
}

TEST_F(ClientIdentity, TheContextRefusesAMismatchAtStart) {
  try {
    make_client_tls_context({}, identity("cli", "stranger.key"), {});
    FAIL() << "a key of another certificate was loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not belong to the certificate"));
  }
}

// es-sim's --tls-client-ca: the server requires a certificate from the CA.
using MutualTls = TlsPki;

TEST_F(MutualTls, TheClientCertificateIsAccepted) {
  start(pki_->path("srv.pem"), pki_->path("ca.pem"));
  auto o = quick();
  o.ca_file = pki_->path("ca.pem");
  o.identity = identity("cli", "cli.key");
  auto r = send_with(o);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.res.body(), "secure");
}

TEST_F(MutualTls, NoClientCertificateIsRefused) {
  start(pki_->path("srv.pem"), pki_->path("ca.pem"));
  auto o = quick();
  o.ca_file = pki_->path("ca.pem");
  auto r = send_with(o);
  EXPECT_FALSE(r.ok()) << "the server let a client without a certificate in";
  EXPECT_THAT(r.error, HasSubstr("certificate required")) << r.error;
}

TEST_F(MutualTls, ACertificateFromAnotherCaIsRefused) {
  start(pki_->path("srv.pem"), pki_->path("ca.pem"));
  auto o = quick();
  o.ca_file = pki_->path("ca.pem");
  o.identity = identity("stranger", "stranger.key");
  auto r = send_with(o);
  EXPECT_FALSE(r.ok()) << "the server took a certificate of another CA";
  EXPECT_THAT(r.error, HasSubstr("unknown ca")) << r.error;
}

// ca_trusted_fingerprint: no ca_file, the CA is trusted because the server presents it and it is pinned.
using PinnedCa = TlsPki;

TEST_F(PinnedCa, WithoutThePinTheChainIsNotTrusted) {
  start(pki_->chain("srv"));
  auto r = send_with(quick());
  EXPECT_FALSE(r.ok()) << "the test CA is trusted without a pin: the tests below would prove nothing";
}

TEST_F(PinnedCa, ThePresentedCaWithThePinnedFingerprintIsTrusted) {
  start(pki_->chain("srv"));
  auto o = quick();
  o.ca_trusted_fingerprint = pki_->fingerprint("ca");
  auto r = send_with(o);
  ASSERT_TRUE(r.ok()) << r.error;
  o.ca_trusted_fingerprint = without_colons_lower(o.ca_trusted_fingerprint);
  r = send_with(o);
  ASSERT_TRUE(r.ok()) << r.error;
}

TEST_F(PinnedCa, AWrongFingerprintIsRefusedNamingTheExpectedOne) {
  start(pki_->chain("srv"));
  auto o = quick();
  o.ca_trusted_fingerprint = without_colons_lower(pki_->fingerprint("other"));
  auto r = send_with(o);
  EXPECT_FALSE(r.ok()) << "a chain without the pinned CA was accepted";
  EXPECT_THAT(r.error, HasSubstr("TLS handshake"));
  EXPECT_THAT(r.error, HasSubstr("the server presented no CA certificate with the ca_trusted_fingerprint " +
                                 pki_->fingerprint("other")));
}

TEST_F(PinnedCa, HostNamesAreStillChecked) {
  start(pki_->chain("srv"));  // for IP:127.0.0.1 only
  auto o = quick();
  o.ca_trusted_fingerprint = pki_->fingerprint("ca");
  auto r = send_with(o, "localhost");
  EXPECT_FALSE(r.ok()) << "the pin let a certificate for another name through";
  EXPECT_THAT(r.error, HasSubstr("hostname mismatch"));
  EXPECT_THAT(r.error, Not(HasSubstr("ca_trusted_fingerprint")));
}

TEST_F(PinnedCa, TheServerMustPresentTheCa) {
  start(pki_->path("srv.pem"));  // the leaf alone
  auto o = quick();
  o.ca_trusted_fingerprint = pki_->fingerprint("ca");
  auto r = send_with(o);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("no CA certificate with the ca_trusted_fingerprint"));
}

TEST_F(PinnedCa, TheFingerprintOfTheServerCertificateItselfDoesNotCount) {
  start(pki_->chain("srv"));
  auto o = quick();
  o.ca_trusted_fingerprint = pki_->fingerprint("srv");  // not a CA: pinning it is no trust anchor
  auto r = send_with(o);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("no CA certificate with the ca_trusted_fingerprint"));
}

TEST_F(PinnedCa, TheStoreStillWorksBesideThePin) {
  start(pki_->path("srv.pem"));
  auto o = quick();
  o.ca_file = pki_->path("ca.pem");
  o.ca_trusted_fingerprint = pki_->fingerprint("other");
  auto r = send_with(o);
  EXPECT_TRUE(r.ok()) << r.error;
}

}  // namespace
}  // namespace sf::http::test
