// Tests of the Elasticsearch TLS keys: client certificate and key, ca_trusted_fingerprint, allow_insecure_http.
#include "config/config_loader.hpp"
#include "tests/config/load_text.hpp"
#include "tests/support/test_pki.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace sf::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using sf::test::test_pki;
using test::all_errors;

load_result load(const std::string& sink_keys, std::map<std::string, std::string> vars = {}) {
  const std::string yaml = "source:\n  team: acme\n  key_id: kid-1\n  key_secret: inline-secret\nsinks:\n"
                           "  - name: elk\n    type: elasticsearch\n    index: audit\n" +
                           sink_keys;
  return load_config_text(yaml, "test.yaml", test::env_of(std::move(vars)));
}

load_error only_error(const std::string& sink_keys, std::map<std::string, std::string> vars = {}) {
  return test::only_error_of(load(sink_keys, std::move(vars)));
}

const elasticsearch_sink_config& es_of(const load_result& r) {
  return std::get<elasticsearch_sink_config>(r.config->sinks.at(0).settings);
}

// ---- allow_insecure_http ----

TEST(EsPlainHttp, ANonLoopbackHostIsRefusedNamingTheOptIn) {
  auto e = only_error("    url: http://10.0.0.5:9200\n");
  EXPECT_EQ(e.key_path, "sinks[0].url");
  EXPECT_EQ(e.line, 9);
  EXPECT_THAT(e.message, HasSubstr("'http://10.0.0.5:9200' uses plain http:// for a host that is not loopback"));
  EXPECT_THAT(e.message, HasSubstr("allow_insecure_http: true"));
  e = only_error("    urls:\n      - https://a:9200\n      - http://es.cluster.local:9200\n");
  EXPECT_EQ(e.key_path, "sinks[0].urls[1]");
  EXPECT_EQ(e.line, 11);
  EXPECT_THAT(e.message, HasSubstr("allow_insecure_http"));
}

TEST(EsPlainHttp, TheOptInLetsItThrough) {
  auto r = load("    urls: [http://10.0.0.5:9200, http://es.cluster.local]\n    allow_insecure_http: true\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_TRUE(es_of(r).allow_insecure_http);
  EXPECT_EQ(es_of(r).urls, (std::vector<std::string>{"http://10.0.0.5:9200", "http://es.cluster.local"}));
  EXPECT_THAT(render_effective_config(*r.config), HasSubstr("allow_insecure_http: true"));
  // Written before the urls it opts in for, it still counts.
  r = load("    allow_insecure_http: true\n    url: http://10.0.0.5:9200\n");
  EXPECT_TRUE(r.config) << all_errors(r);
}

TEST(EsPlainHttp, TheOptInIsAnElasticsearchKeyOnly) {
  auto r = load_config_text("source:\n  url: http://10.0.0.5\n  allow_insecure_http: true\n  team: a\n  key_id: k\n"
                            "  key_secret: s\nsinks: [{name: a, type: file, path: /x}]\n",
                            "test.yaml", test::env_of({}));
  EXPECT_FALSE(r.config);
  EXPECT_THAT(all_errors(r), HasSubstr("source.allow_insecure_http"));
  EXPECT_THAT(all_errors(r), HasSubstr("not loopback"));
}

TEST(EsPlainHttp, LoopbackAndHttpsNeedNoOptIn) {
  auto r = load("    urls: [http://127.0.0.1:9200, \"http://[::1]:9200\", https://10.0.0.5:9200]\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_FALSE(es_of(r).allow_insecure_http);
  EXPECT_THAT(render_effective_config(*r.config), Not(HasSubstr("allow_insecure_http")));
  EXPECT_FALSE(remote_plain_http("http://[::1]:9200/x"));
  EXPECT_FALSE(remote_plain_http("http://localhost"));
  EXPECT_FALSE(remote_plain_http("https://10.0.0.5"));
  EXPECT_TRUE(remote_plain_http("http://10.0.0.5"));
  EXPECT_TRUE(remote_plain_http("http://[fd00::2]:9200"));
}

// ---- ca_trusted_fingerprint ----

TEST(EsFingerprint, HexWithOrWithoutColonsIsTaken) {
  const std::string colons =
      "C0:FF:EE:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC";
  auto r = load("    url: https://es:9200\n    ca_trusted_fingerprint: \"" + colons + "\"\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(es_of(r).ca_trusted_fingerprint, colons);
  EXPECT_THAT(render_effective_config(*r.config), HasSubstr("ca_trusted_fingerprint: "));
  EXPECT_THAT(render_effective_config(*r.config), HasSubstr(colons));
  r = load("    url: https://es:9200\n    ca_trusted_fingerprint: c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc\n");
  EXPECT_TRUE(r.config) << all_errors(r);
}

TEST(EsFingerprint, ASha1OrGarbageIsRefusedAtTheKey) {
  auto e = only_error("    url: https://es:9200\n    ca_trusted_fingerprint: 0123456789abcdef0123456789abcdef01234567\n");
  EXPECT_EQ(e.key_path, "sinks[0].ca_trusted_fingerprint");
  EXPECT_EQ(e.line, 10);
  EXPECT_THAT(e.message, HasSubstr("has 40 hex digits: a SHA-256 fingerprint has 64"));
  e = only_error("    url: https://es:9200\n    ca_trusted_fingerprint: \"AB:CD:E\"\n");
  EXPECT_THAT(e.message, HasSubstr("pairs of hex digits"));
}

// ---- client_certificate and client_key ----

class EsClientCertificate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new test_pki();
    ASSERT_TRUE(pki_->ok());
    ASSERT_TRUE(pki_->add_ca("other"));
    ASSERT_TRUE(pki_->issue("cli", "DNS:forwarder", "clientAuth"));
    ASSERT_TRUE(pki_->issue("stranger", "DNS:forwarder", "clientAuth", "other"));
    ASSERT_TRUE(pki_->run("openssl pkey -in cli.key -aes128 -passout pass:x -out locked.key"));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static std::string keys(const std::string& cert, const std::string& key_file) {
    return "    url: https://es:9200\n    client_certificate: " + pki_->path(cert) +
           "\n    client_key_file: " + pki_->path(key_file) + "\n";
  }
  static test_pki* pki_;
};
test_pki* EsClientCertificate::pki_ = nullptr;

TEST_F(EsClientCertificate, AMatchingPairLoadsAndTheKeyStaysSecret) {
  auto r = load(keys("cli.pem", "cli.key"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(es_of(r).client_certificate, pki_->path("cli.pem"));
  EXPECT_THAT(es_of(r).client_key.value, HasSubstr("PRIVATE KEY"));
  EXPECT_EQ(es_of(r).client_key.source, "file:" + pki_->path("cli.key"));
  const auto shown = render_effective_config(*r.config);
  EXPECT_THAT(shown, HasSubstr("client_certificate: " + pki_->path("cli.pem")));
  EXPECT_THAT(shown, HasSubstr("client_key: <redacted>"));
  EXPECT_THAT(shown, Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(EsClientCertificate, TheKeyMayComeInlineFromTheEnvironment) {
  auto r = load("    url: https://es:9200\n    client_certificate: " + pki_->path("cli.pem") +
                    "\n    client_key: ${ES_CLIENT_KEY}\n",
                {{"ES_CLIENT_KEY", pki_->read("cli.key")}});
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(es_of(r).client_key.source, "env");
}

TEST_F(EsClientCertificate, EachHalfNeedsTheOther) {
  auto e = only_error("    url: https://es:9200\n    client_certificate: " + pki_->path("cli.pem") + "\n");
  EXPECT_EQ(e.key_path, "sinks[0].client_key");
  EXPECT_THAT(e.message, HasSubstr("required with client_certificate (give client_key or client_key_file)"));
  e = only_error("    url: https://es:9200\n    client_key_file: " + pki_->path("cli.key") + "\n");
  EXPECT_EQ(e.key_path, "sinks[0].client_certificate");
  EXPECT_THAT(e.message, HasSubstr("required with client_key_file"));
}

TEST_F(EsClientCertificate, AKeyOfAnotherCertificateIsRefusedNamingBothFiles) {
  auto e = only_error(keys("cli.pem", "stranger.key"));
  EXPECT_EQ(e.key_path, "sinks[0].client_key_file");
  EXPECT_EQ(e.line, 11);
  EXPECT_THAT(e.message, HasSubstr("the private key from '" + pki_->path("stranger.key") +
                                   "' does not belong to the certificate in '" + pki_->path("cli.pem") + "'"));
}

TEST_F(EsClientCertificate, AMissingCertificateFileIsNamed) {
  auto e = only_error(keys("gone.pem", "cli.key"));
  EXPECT_EQ(e.key_path, "sinks[0].client_certificate");
  EXPECT_EQ(e.line, 10);
  EXPECT_THAT(e.message, HasSubstr("cannot read '" + pki_->path("gone.pem") + "': No such file or directory"));
}

TEST_F(EsClientCertificate, AMissingKeyFileIsNamed) {
  auto e = only_error(keys("cli.pem", "gone.key"));
  EXPECT_EQ(e.key_path, "sinks[0].client_key_file");
  EXPECT_THAT(e.message, HasSubstr("cannot read '" + pki_->path("gone.key") + "'"));
}

TEST_F(EsClientCertificate, APassphraseProtectedKeyIsRefused) {
  auto e = only_error(keys("cli.pem", "locked.key"));
  EXPECT_EQ(e.key_path, "sinks[0].client_key_file");
  EXPECT_THAT(e.message, HasSubstr("is protected by a passphrase"));
}

}  // namespace
}  // namespace sf::config
