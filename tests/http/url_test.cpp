// Unit tests of URL parsing, reference resolution, escaping and query parameters (no I/O).
#include "common/http/url.hpp"

#include <gtest/gtest.h>

namespace sf::http {
namespace {

url must_parse(std::string_view text) {
  auto u = parse_url(text);
  EXPECT_TRUE(u.has_value()) << text;
  return u.value_or(url{});
}

TEST(ParseUrl, DefaultPortsFollowTheScheme) {
  auto plain = must_parse("http://example.com/v1");
  EXPECT_EQ(plain.scheme, "http");
  EXPECT_EQ(plain.host, "example.com");
  EXPECT_EQ(plain.port, "80");
  EXPECT_EQ(plain.target, "/v1");
  EXPECT_FALSE(plain.tls());

  auto secure = must_parse("https://app.scaleft.com");
  EXPECT_EQ(secure.port, "443");
  EXPECT_EQ(secure.target, "/");
  EXPECT_TRUE(secure.tls());
  EXPECT_EQ(secure.to_string(), "https://app.scaleft.com/");
}

TEST(ParseUrl, ExplicitPortIsKeptAndShownUnlessDefault) {
  auto u = must_parse("http://127.0.0.1:9200/_bulk?refresh=true");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "9200");
  EXPECT_EQ(u.target, "/_bulk?refresh=true");
  EXPECT_EQ(u.origin(), "http://127.0.0.1:9200");
  EXPECT_EQ(must_parse("https://h:443/x").origin(), "https://h");
  EXPECT_EQ(must_parse("http://h:443/x").origin(), "http://h:443");
}

TEST(ParseUrl, SchemeAndHostAreCaseInsensitive) {
  auto u = must_parse("HTTPS://App.ScaleFT.COM/V1/Teams");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "app.scaleft.com");
  EXPECT_EQ(u.target, "/V1/Teams");  // paths are case-sensitive
  EXPECT_TRUE(u.same_origin(must_parse("https://app.scaleft.com:443/other")));
  EXPECT_FALSE(u.same_origin(must_parse("http://app.scaleft.com/")));
  EXPECT_FALSE(u.same_origin(must_parse("https://app.scaleft.com:8443/")));
}

TEST(ParseUrl, BracketedIpv6) {
  auto u = must_parse("http://[::1]:8080/p");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "8080");
  EXPECT_EQ(u.origin(), "http://[::1]:8080");
  auto d = must_parse("https://[2001:db8::7]/");
  EXPECT_EQ(d.host, "2001:db8::7");
  EXPECT_EQ(d.port, "443");
  EXPECT_EQ(d.to_string(), "https://[2001:db8::7]/");
}

TEST(ParseUrl, BracketsHoldOnlyIpv6AndAreCaseInsensitive) {
  // Found by fuzz_url: "[B2]" was kept as host "B2", printed without brackets, and so re-read as "b2".
  EXPECT_FALSE(parse_url("https://[B2]:42/"));
  EXPECT_FALSE(parse_url("https://[example.com]/"));
  auto u = must_parse("https://[2001:DB8::A]:8443/x");
  EXPECT_EQ(u.host, "2001:db8::a");
  EXPECT_TRUE(u.same_origin(must_parse("https://[2001:db8::a]:8443/")));
  EXPECT_EQ(must_parse(u.to_string()).to_string(), u.to_string());
}

TEST(ParseUrl, QueryWithoutPathGetsARootPath) {
  EXPECT_EQ(must_parse("http://h?a=1").target, "/?a=1");
  EXPECT_EQ(must_parse("http://h:81?a=1").port, "81");
}

TEST(ParseUrl, FragmentIsNeverSent) {
  EXPECT_EQ(must_parse("http://h/p?q=1#frag").target, "/p?q=1");
  EXPECT_EQ(must_parse("http://h#frag").target, "/");
}

TEST(ParseUrl, RejectsOtherSchemesAndNonUrls) {
  for (const char* bad : {"ftp://h/", "file:///etc/passwd", "h/path", "http:/h", "://h", "", "http://",
                          "https:///path", "ws://h/"})
    EXPECT_FALSE(parse_url(bad).has_value()) << bad;
}

TEST(ParseUrl, RefusesUserinfoSoNoSecretSitsInAUrl) {
  EXPECT_FALSE(parse_url("https://user:secret@app.scaleft.com/").has_value());
  EXPECT_FALSE(parse_url("https://user@app.scaleft.com/").has_value());
  // An '@' in the path is not userinfo.
  auto u = must_parse("https://h/a@b");
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(u.target, "/a@b");
}

TEST(ParseUrl, RejectsBadPorts) {
  for (const char* bad :
       {"http://h:0/", "http://h:65536/", "http://h:123456/", "http://h:-1/", "http://h:8o/",
        "http://h:99999999999999999999999/", "http://[::1]x/", "http://[::1:80/", "http://[]/"})
    EXPECT_FALSE(parse_url(bad).has_value()) << bad;
  EXPECT_EQ(must_parse("http://h:65535/").port, "65535");
}

TEST(ParseUrl, RejectsUnbracketedIpv6) {
  // Without brackets the port cannot be told apart from the address: refuse instead of guessing.
  EXPECT_FALSE(parse_url("http://::1/").has_value());
  EXPECT_FALSE(parse_url("http://2001:db8::1:8080/").has_value());
}

TEST(ParseUrl, RejectsControlCharactersAndSpaces) {
  // A CR/LF in a URL taken from a response header would split our request line (request smuggling).
  EXPECT_FALSE(parse_url("http://h/a\r\nX-Injected: 1").has_value());
  EXPECT_FALSE(parse_url("http://h/a b").has_value());
  EXPECT_FALSE(parse_url("http://h\t/").has_value());
}

TEST(ParseUrl, SaysWhatIsWrong) {
  // The reasons check-config prints (config adds its advice after them).
  const std::pair<const char*, url_refusal> cases[] = {
      {"app.scaleft.com", {url_problem::not_a_url, "is not a URL: expected https://host[:port][/path]"}},
      {"FTP://h/", {url_problem::scheme, "has scheme 'ftp'"}},
      {"https://u:p@h/", {url_problem::credentials, "must not carry credentials (user@host)"}},
      {"https://[::1/", {url_problem::host, "has an unterminated [IPv6] host"}},
      {"https://[::1]x/", {url_problem::host, "has junk after the [IPv6] host"}},
      {"https://[b2]/", {url_problem::host, "has brackets around a host that is not an IPv6 address"}},
      {"https://:9200/", {url_problem::host, "has no host"}},
      {"https://[]/", {url_problem::host, "has no host"}},
      {"https://h:0/", {url_problem::port, "has an invalid port '0': use 1..65535"}},
      {"https://h:/", {url_problem::port, "has an invalid port '': use 1..65535"}},
      {"https://h/a b", {url_problem::character, "has a space or a control character"}},
  };
  for (const auto& [text, want] : cases) {
    url_refusal why;
    EXPECT_FALSE(parse_url(text, &why).has_value()) << text;
    EXPECT_EQ(why.problem, want.problem) << text;
    EXPECT_EQ(why.reason, want.reason) << text;
  }
  url_refusal untouched;
  EXPECT_TRUE(parse_url("https://h:0443/x", &untouched).has_value());
  EXPECT_EQ(untouched.problem, url_problem::none);
}

TEST(ParseUrl, PortIsCanonical) {
  // "0443" is 443: printed without it, and equal to the URL written without it.
  EXPECT_EQ(must_parse("https://h:0443/x").to_string(), "https://h/x");
  EXPECT_EQ(must_parse("http://h:09200/").port, "9200");
}

class Resolve : public ::testing::Test {
 protected:
  url base = must_parse("https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000&offset=A");
  std::string resolve(std::string_view ref) {
    auto r = resolve_reference(base, ref);
    return r ? r->to_string() : std::string("<none>");
  }
};

TEST_F(Resolve, AbsoluteUrlReplacesEverything) {
  EXPECT_EQ(resolve("http://other:8080/x?y=1"), "http://other:8080/x?y=1");
  EXPECT_EQ(resolve("HTTPS://APP.scaleft.com/p"), "https://app.scaleft.com/p");
}

TEST_F(Resolve, SchemeRelativeKeepsTheScheme) {
  EXPECT_EQ(resolve("//mirror.example:444/a?b=c"), "https://mirror.example:444/a?b=c");
}

TEST_F(Resolve, AbsolutePathKeepsTheOrigin) {
  EXPECT_EQ(resolve("/v1/teams/acme/auditsV2?count=1000&offset=B"),
            "https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000&offset=B");
  EXPECT_EQ(resolve("/a/./b/../c?x=/../y"), "https://app.scaleft.com/a/c?x=/../y");  // dots in a query stay
}

TEST_F(Resolve, RelativePathIsTakenFromTheBaseDirectory) {
  EXPECT_EQ(resolve("auditsV2?offset=C"), "https://app.scaleft.com/v1/teams/acme/auditsV2?offset=C");
  EXPECT_EQ(resolve("../other/keys"), "https://app.scaleft.com/v1/teams/other/keys");
  EXPECT_EQ(resolve("./x"), "https://app.scaleft.com/v1/teams/acme/x");
  EXPECT_EQ(resolve("sub/"), "https://app.scaleft.com/v1/teams/acme/sub/");
}

TEST_F(Resolve, QueryOnlyReplacesTheQuery) {
  EXPECT_EQ(resolve("?count=10&offset=D"),
            "https://app.scaleft.com/v1/teams/acme/auditsV2?count=10&offset=D");
}

TEST_F(Resolve, EmptyAndFragmentOnlyGiveTheBase) {
  EXPECT_EQ(resolve(""), base.to_string());
  EXPECT_EQ(resolve("#top"), base.to_string());
  EXPECT_EQ(resolve("?offset=E#frag"), "https://app.scaleft.com/v1/teams/acme/auditsV2?offset=E");
}

TEST_F(Resolve, Rfc3986NormalExamples) {
  // RFC 3986 section 5.4.1, with the base http://a/b/c/d;p?q.
  base = must_parse("http://a/b/c/d;p?q");
  EXPECT_EQ(resolve("g"), "http://a/b/c/g");
  EXPECT_EQ(resolve("./g"), "http://a/b/c/g");
  EXPECT_EQ(resolve("g/"), "http://a/b/c/g/");
  EXPECT_EQ(resolve("/g"), "http://a/g");
  EXPECT_EQ(resolve("//g"), "http://g/");
  EXPECT_EQ(resolve("?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(resolve("g?y"), "http://a/b/c/g?y");
  EXPECT_EQ(resolve("."), "http://a/b/c/");
  EXPECT_EQ(resolve("./"), "http://a/b/c/");
  EXPECT_EQ(resolve(".."), "http://a/b/");
  EXPECT_EQ(resolve("../"), "http://a/b/");
  EXPECT_EQ(resolve("../g"), "http://a/b/g");
  EXPECT_EQ(resolve("../.."), "http://a/");
  EXPECT_EQ(resolve("../../g"), "http://a/g");
  // Abnormal examples (5.4.2): too many ".." stop at the root.
  EXPECT_EQ(resolve("../../../g"), "http://a/g");
  EXPECT_EQ(resolve("/./g"), "http://a/g");
  EXPECT_EQ(resolve("/../g"), "http://a/g");
  EXPECT_EQ(resolve("g."), "http://a/b/c/g.");
  EXPECT_EQ(resolve("..g"), "http://a/b/c/..g");
  EXPECT_EQ(resolve("./g/."), "http://a/b/c/g/");
  EXPECT_EQ(resolve("g/../h"), "http://a/b/c/h");
}

TEST_F(Resolve, AUrlInsideTheQueryDoesNotMakeTheReferenceAbsolute) {
  // "://" appears only in a query value: the reference is still relative.
  EXPECT_EQ(resolve("?offset=F&from=http://x/y"),
            "https://app.scaleft.com/v1/teams/acme/auditsV2?offset=F&from=http://x/y");
  EXPECT_EQ(resolve("auditsV2?from=https://x/"),
            "https://app.scaleft.com/v1/teams/acme/auditsV2?from=https://x/");
  EXPECT_EQ(resolve("/p?u=http://x"), "https://app.scaleft.com/p?u=http://x");
}

TEST_F(Resolve, OtherSchemesAndBadReferencesAreRefused) {
  EXPECT_EQ(resolve("ftp://h/x"), "<none>");
  EXPECT_EQ(resolve("mailto:ops@example.com"), "<none>");
  EXPECT_EQ(resolve("https://user:pw@h/"), "<none>");
  EXPECT_EQ(resolve("/next\r\nX-Injected: 1"), "<none>");
  EXPECT_EQ(resolve("?offset=a b"), "<none>");
}

TEST(PercentEncode, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b/c?d&e=f"), "a%20b%2Fc%3Fd%26e%3Df");
  EXPECT_EQ(percent_encode("UD5p+q/M=="), "UD5p%2Bq%2FM%3D%3D");  // a base64 event id as a query value
  EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");                // UTF-8 bytes, upper-case hex
  EXPECT_EQ(percent_encode(std::string_view("\0\x7f", 2)), "%00%7F");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(PercentEncode, RoundTripsThroughQueryParameter) {
  const std::string id = "UD5pqjIhjKVQPmmqMiGMpQ==+/ &%";
  EXPECT_EQ(query_parameter("/x?offset=" + percent_encode(id), "offset"), id);
}

TEST(JoinPath, JoinsWithExactlyOneSlash) {
  EXPECT_EQ(join_path("/", "/v1/teams/acme"), "/v1/teams/acme");
  EXPECT_EQ(join_path("", "/v1"), "/v1");
  EXPECT_EQ(join_path("/prefix", "/v1"), "/prefix/v1");
  EXPECT_EQ(join_path("/prefix/", "/v1"), "/prefix/v1");
  EXPECT_EQ(join_path("/prefix//", "/v1"), "/prefix/v1");
  EXPECT_EQ(join_path("/prefix?x=1", "/v1"), "/prefix/v1");  // a query on the base is not part of the path
}

TEST(QueryParameter, FindsAndDecodes) {
  const std::string t = "/v1/auditsV2?count=1000&offset=UD5p%2Bq%3D%3D&descending=false&note=a+b%20c";
  EXPECT_EQ(query_parameter(t, "count"), "1000");
  EXPECT_EQ(query_parameter(t, "offset"), "UD5p+q==");
  EXPECT_EQ(query_parameter(t, "descending"), "false");
  EXPECT_EQ(query_parameter(t, "note"), "a b c");
  EXPECT_EQ(query_parameter(t, "missing"), std::nullopt);
  EXPECT_EQ(query_parameter(t, "coun"), std::nullopt);  // no prefix matches
}

TEST(QueryParameter, EdgeCases) {
  EXPECT_EQ(query_parameter("/p", "a"), std::nullopt);
  EXPECT_EQ(query_parameter("/p?", "a"), std::nullopt);
  EXPECT_EQ(query_parameter("/p?flag&a=1", "flag"), "");
  EXPECT_EQ(query_parameter("/p?a=&b=2", "a"), "");
  EXPECT_EQ(query_parameter("/p?&&a=1", "a"), "1");
  EXPECT_EQ(query_parameter("/p?a=1&a=2", "a"), "1");    // the first one wins
  EXPECT_EQ(query_parameter("/p?x%5Fy=3", "x_y"), "3");  // names are decoded too
  EXPECT_EQ(query_parameter("/p?a=100%", "a"), "100%");  // a stray '%' is kept
  EXPECT_EQ(query_parameter("/p?a=%zz%4", "a"), "%zz%4");
  EXPECT_EQ(query_parameter("/p?a=%41", "a"), "A");  // an escape at the very end
}

}  // namespace
}  // namespace sf::http
