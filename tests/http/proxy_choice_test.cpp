// Unit tests of the proxy choice: proxy URL parsing, NO_PROXY matching, config over environment (no I/O).
#include "common/http/proxy_choice.hpp"

#include <gtest/gtest.h>

namespace sf::http {
namespace {

// A valid target URL (value() throws, failing the test, for a typo in one).
url must_parse(std::string_view text) { return parse_url(text).value(); }

proxy_environment env_of(std::string https, std::string http, std::string no_proxy) {
  proxy_environment e;
  e.https_proxy = std::move(https);
  e.https_name = "HTTPS_PROXY";
  e.http_proxy = std::move(http);
  e.http_name = "http_proxy";
  e.no_proxy = std::move(no_proxy);
  e.no_proxy_name = "NO_PROXY";
  return e;
}

TEST(ParseProxyUrl, HostPortUserAndCurlsDefaults) {
  auto p = parse_proxy_url("http://Proxy.Corp:3128/");
  ASSERT_TRUE(p.endpoint) << p.problem;
  EXPECT_EQ(p.endpoint->host, "proxy.corp");
  EXPECT_EQ(p.endpoint->port, "3128");
  EXPECT_EQ(p.endpoint->user, "");
  // No scheme means http://, no port means 1080: as curl reads them.
  auto bare = parse_proxy_url("proxy.corp");
  ASSERT_TRUE(bare.endpoint) << bare.problem;
  EXPECT_EQ(bare.endpoint->port, "1080");
  auto v6 = parse_proxy_url("http://[fd00::1]:8080");
  ASSERT_TRUE(v6.endpoint) << v6.problem;
  EXPECT_EQ(v6.endpoint->host, "fd00::1");
  EXPECT_EQ(v6.endpoint->display(), "http://[fd00::1]:8080");
}

TEST(ParseProxyUrl, CredentialsAreDecodedAndThePasswordNeverDisplayed) {
  auto p = parse_proxy_url("http://svc%40corp:p%3Ass+w@proxy:3128");
  ASSERT_TRUE(p.endpoint) << p.problem;
  EXPECT_EQ(p.endpoint->user, "svc@corp");
  EXPECT_EQ(p.endpoint->password, "p:ss+w");  // '+' is not a space in userinfo
  EXPECT_EQ(p.endpoint->display(), "http://svc@corp@proxy:3128");
  EXPECT_EQ(p.endpoint->display().find("p:ss"), std::string::npos);
}

TEST(ParseProxyUrl, RefusesWhatIsNotAnHttpProxy) {
  auto https = parse_proxy_url("https://proxy:3128");
  EXPECT_FALSE(https.endpoint);
  EXPECT_NE(https.problem.find("https:// proxies"), std::string::npos) << https.problem;
  EXPECT_NE(https.problem.find("http://host:port"), std::string::npos) << https.problem;
  auto socks = parse_proxy_url("socks5h://proxy:1080");
  EXPECT_FALSE(socks.endpoint);
  EXPECT_NE(socks.problem.find("SOCKS proxies (socks5h://) are not supported"), std::string::npos) << socks.problem;
  EXPECT_FALSE(parse_proxy_url("ftp://proxy").endpoint);
  EXPECT_FALSE(parse_proxy_url("http://proxy:0").endpoint);
  EXPECT_FALSE(parse_proxy_url("http://proxy:99999").endpoint);
  EXPECT_FALSE(parse_proxy_url("http://proxy:3128/path").endpoint);
  EXPECT_FALSE(parse_proxy_url("http://:pw@proxy").endpoint);
  EXPECT_FALSE(parse_proxy_url("http://").endpoint);
  EXPECT_FALSE(parse_proxy_url("http://pro xy:3128").endpoint);
  EXPECT_FALSE(parse_proxy_url("").endpoint);
}

TEST(NoProxy, NamesMatchThemselvesAndSubdomainsWithOrWithoutALeadingDot) {
  EXPECT_TRUE(no_proxy_matches("example.com", "example.com", "443"));
  EXPECT_TRUE(no_proxy_matches("example.com", "es.example.com", "443"));
  EXPECT_TRUE(no_proxy_matches(".example.com", "es.example.com", "443"));
  EXPECT_TRUE(no_proxy_matches(".example.com", "example.com", "443"));
  EXPECT_TRUE(no_proxy_matches("EXAMPLE.com", "Es.Example.COM.", "443"));
  EXPECT_FALSE(no_proxy_matches("example.com", "badexample.com", "443"));
  EXPECT_FALSE(no_proxy_matches("es.example.com", "example.com", "443"));
  EXPECT_FALSE(no_proxy_matches("", "example.com", "443"));
}

TEST(NoProxy, ListsAreCommaOrSpaceSeparatedAndStarMatchesAll) {
  EXPECT_TRUE(no_proxy_matches("a.test, b.test,c.test", "c.test", "80"));
  EXPECT_TRUE(no_proxy_matches("a.test b.test", "x.b.test", "80"));
  EXPECT_TRUE(no_proxy_matches("*", "anything.example", "80"));
  EXPECT_TRUE(no_proxy_matches("a.test,*", "10.1.2.3", "80"));
  EXPECT_FALSE(no_proxy_matches("a.test,,b.test", "c.test", "80"));
}

TEST(NoProxy, AddressesAndBlocksMatchAddressesOnly) {
  EXPECT_TRUE(no_proxy_matches("127.0.0.1", "127.0.0.1", "9200"));
  EXPECT_TRUE(no_proxy_matches("10.0.0.0/8", "10.20.30.40", "9200"));
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "11.0.0.1", "9200"));
  EXPECT_TRUE(no_proxy_matches("::1", "::1", "9200"));
  EXPECT_TRUE(no_proxy_matches("[::1]", "::1", "9200"));
  EXPECT_TRUE(no_proxy_matches("fd00::/8", "fd12::5", "9200"));
  EXPECT_FALSE(no_proxy_matches("fd00::/8", "fe80::1", "9200"));
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/40", "10.0.0.1", "9200"));
  // A name does not match an address (and the reverse): loopback is not special.
  EXPECT_FALSE(no_proxy_matches("localhost", "127.0.0.1", "9200"));
  EXPECT_FALSE(no_proxy_matches("127.0.0.1", "localhost", "9200"));
  EXPECT_FALSE(no_proxy_matches("0.0.0.1", "1", "9200"));
}

TEST(NoProxy, APortLimitsTheEntryToThatPort) {
  EXPECT_TRUE(no_proxy_matches("es.test:9200", "es.test", "9200"));
  EXPECT_FALSE(no_proxy_matches("es.test:9200", "es.test", "443"));
  EXPECT_TRUE(no_proxy_matches("127.0.0.1:9200", "127.0.0.1", "9200"));
  EXPECT_FALSE(no_proxy_matches("127.0.0.1:9200", "127.0.0.1", "9201"));
  EXPECT_TRUE(no_proxy_matches("[::1]:9200", "::1", "9200"));
  EXPECT_FALSE(no_proxy_matches("[::1]:9200", "::1", "9300"));
}

TEST(ChooseProxy, TheEnvironmentPicksByTheTargetsScheme) {
  const auto env = env_of("http://tls-proxy:3128", "http://plain-proxy:3128", "");
  const proxy_setting unset{"", "", "source.proxy_url"};
  auto tls = choose_proxy(must_parse("https://app.scaleft.com"), unset, env);
  ASSERT_TRUE(tls.proxy);
  EXPECT_EQ(tls.proxy->host, "tls-proxy");
  EXPECT_EQ(tls.reason, "HTTPS_PROXY");
  EXPECT_EQ(tls.describe(), "http://tls-proxy:3128 (HTTPS_PROXY)");
  auto plain = choose_proxy(must_parse("http://es.internal:9200"), unset, env);
  ASSERT_TRUE(plain.proxy);
  EXPECT_EQ(plain.proxy->host, "plain-proxy");
  EXPECT_EQ(plain.reason, "http_proxy");
  auto none = choose_proxy(must_parse("https://app.scaleft.com"), unset, env_of("", "http://p:1", ""));
  EXPECT_FALSE(none.proxy);
  EXPECT_TRUE(none.error.empty());
  EXPECT_EQ(none.describe(), "direct");
}

TEST(ChooseProxy, NoProxyBypassesTheEnvironmentsProxy) {
  const auto env = env_of("http://proxy:3128", "http://proxy:3128", "localhost,.internal,127.0.0.1");
  const proxy_setting unset{"", "", "k"};
  auto r = choose_proxy(must_parse("http://es.internal:9200"), unset, env);
  EXPECT_FALSE(r.proxy);
  EXPECT_EQ(r.describe(), "direct (NO_PROXY)");
  EXPECT_FALSE(choose_proxy(must_parse("https://127.0.0.1:8443"), unset, env).proxy);
  EXPECT_TRUE(choose_proxy(must_parse("https://[::1]:8443"), unset, env).proxy);  // not listed
  EXPECT_TRUE(choose_proxy(must_parse("https://app.scaleft.com"), unset, env).proxy);
}

TEST(ChooseProxy, ExplicitConfigurationWinsOverTheEnvironment) {
  const auto env = env_of("http://env-proxy:3128", "http://env-proxy:3128", "*");
  auto configured = choose_proxy(must_parse("https://app.scaleft.com"),
                                 {"http://cfg-proxy:8080", "", "source.proxy_url"}, env);
  ASSERT_TRUE(configured.proxy);
  EXPECT_EQ(configured.proxy->host, "cfg-proxy");  // NO_PROXY=* belongs to the environment's choice
  EXPECT_EQ(configured.reason, "source.proxy_url");
  auto off = choose_proxy(must_parse("https://app.scaleft.com"), {"none", "", "source.proxy_url"},
                          env_of("http://env-proxy:3128", "", ""));
  EXPECT_FALSE(off.proxy);
  EXPECT_EQ(off.describe(), "direct (source.proxy_url: none)");
}

TEST(ChooseProxy, TheConfiguredPasswordGoesWithTheUrlsUser) {
  auto r = choose_proxy(must_parse("https://app.scaleft.com"), {"http://svc@proxy:3128", "s3cret", "k"}, {});
  ASSERT_TRUE(r.proxy);
  EXPECT_EQ(r.proxy->user, "svc");
  EXPECT_EQ(r.proxy->password, "s3cret");
  EXPECT_EQ(r.describe().find("s3cret"), std::string::npos);
  // The environment's URL may carry a password (as curl's does); the configured file replaces it.
  auto from_env = choose_proxy(must_parse("https://app.scaleft.com"), {"", "", "k"},
                               env_of("http://svc:inline@proxy:3128", "", ""));
  ASSERT_TRUE(from_env.proxy);
  EXPECT_EQ(from_env.proxy->password, "inline");
  auto replaced = choose_proxy(must_parse("https://app.scaleft.com"), {"", "fromfile", "k"},
                               env_of("http://svc:inline@proxy:3128", "", ""));
  ASSERT_TRUE(replaced.proxy);
  EXPECT_EQ(replaced.proxy->password, "fromfile");
  // Without a user there is nobody to authenticate: the password is not used.
  auto anonymous = choose_proxy(must_parse("https://app.scaleft.com"), {"http://proxy:3128", "pw", "k"}, {});
  ASSERT_TRUE(anonymous.proxy);
  EXPECT_EQ(anonymous.proxy->password, "");
}

TEST(ChooseProxy, AnUnusableProxyUrlIsAnErrorNamingItsOrigin) {
  auto r = choose_proxy(must_parse("https://app.scaleft.com"), {"", "", "k"}, env_of("socks5://p:1080", "", ""));
  EXPECT_FALSE(r.proxy);
  EXPECT_EQ(r.error.rfind("HTTPS_PROXY is not a usable proxy URL: it SOCKS proxies", 0), 0u) << r.error;
  // The broken variable is not consulted for a target it does not serve.
  EXPECT_TRUE(
      choose_proxy(must_parse("http://es:9200"), {"", "", "k"}, env_of("socks5://p:1080", "", "")).error.empty());
}

}  // namespace
}  // namespace sf::http
