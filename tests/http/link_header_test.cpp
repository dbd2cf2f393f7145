// Unit tests of Link header parsing (RFC 8288) as ScaleFT pagination uses it.
#include "common/http/link_header.hpp"
#include "common/http/url.hpp"

#include <gtest/gtest.h>

namespace sf::http {
namespace {

TEST(FindLink, PicksTheRequestedRelationAmongSeveral) {
  const char* h =
      "<https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000&offset=P>; rel=\"prev\", "
      "<https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000&offset=N>; rel=\"next\"";
  EXPECT_EQ(find_link(h, "next"), "https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000&offset=N");
  EXPECT_EQ(find_link(h, "prev"), "https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000&offset=P");
  EXPECT_EQ(find_link(h, "last"), std::nullopt);
}

TEST(FindLink, QuotedAndUnquotedRel) {
  EXPECT_EQ(find_link("<a>; rel=next", "next"), "a");
  EXPECT_EQ(find_link("<a>; rel=\"next\"", "next"), "a");
  EXPECT_EQ(find_link("<a>; rel=prev, <b>; rel=next", "next"), "b");
}

TEST(FindLink, SeveralRelValuesInOneLink) {
  EXPECT_EQ(find_link("<a>; rel=\"prev first\", <b>; rel=\"last next\"", "next"), "b");
  EXPECT_EQ(find_link("<a>; rel=\"prev first\", <b>; rel=\"last next\"", "first"), "a");
  EXPECT_EQ(find_link("<a>; rel=\"prev  next\"", "next"), "a");  // two spaces between values
}

TEST(FindLink, RelValuesAreWholeTokens) {
  EXPECT_EQ(find_link("<a>; rel=\"nextpage\", <b>; rel=\"next-ish\"", "next"), std::nullopt);
  EXPECT_EQ(find_link("<a>; rel=\"prev\"", "pre"), std::nullopt);
}

TEST(FindLink, OddSpacing) {
  EXPECT_EQ(find_link("<a>;rel=next", "next"), "a");
  EXPECT_EQ(find_link("   <a>   ;   rel  =  \"next\"   ", "next"), "a");
  EXPECT_EQ(find_link("<a>;\trel=next,<b>;rel=prev", "prev"), "b");
  EXPECT_EQ(find_link(",, <a>; rel=next ,", "next"), "a");
}

TEST(FindLink, CaseInsensitiveNameAndValue) {
  EXPECT_EQ(find_link("<a>; REL=\"NEXT\"", "next"), "a");
  EXPECT_EQ(find_link("<a>; Rel=Next", "next"), "a");
  EXPECT_EQ(find_link("<a>; rel=next", "NEXT"), "a");
}

TEST(FindLink, ParametersInAnyOrder) {
  EXPECT_EQ(find_link("<a>; type=\"application/json\"; rel=\"next\"; title=\"Next page\"", "next"), "a");
  EXPECT_EQ(find_link("<a>; title=\"x; rel=next, y\"; rel=prev, <b>; rel=next", "next"), "b");
  EXPECT_EQ(find_link("<a>; crossorigin; rel=next", "next"), "a");  // a parameter with no value
  EXPECT_EQ(find_link("<a>; title=\"say \\\"next\\\"\"; rel=\"next\"", "next"), "a");
}

TEST(FindLink, MalformedPartsAreSkipped) {
  EXPECT_EQ(find_link("garbage; rel=next, <b>; rel=next", "next"), "b");
  EXPECT_EQ(find_link("\"quoted, stuff\", <b>; rel=next", "next"), "b");
  EXPECT_EQ(find_link("<a>; rel=\"prev\" junk, <b>; rel=\"next\"", "next"), "b");
  EXPECT_EQ(find_link("<a>, <b>; rel=next", "next"), "b");     // a link without parameters
  EXPECT_EQ(find_link("<a; rel=next", "next"), std::nullopt);  // never closed
  EXPECT_EQ(find_link("", "next"), std::nullopt);
  EXPECT_EQ(find_link("   ", "next"), std::nullopt);
  EXPECT_EQ(find_link("<a>; rel=", "next"), std::nullopt);
  EXPECT_EQ(find_link("<a>; rel=\"next", "next"), "a");  // an unterminated quote still names the value
}

TEST(FindLink, EmptyTargetIsReturnedAsEmpty) {
  // "<>" is the current document: the caller resolves it to the request URL.
  EXPECT_EQ(find_link("<>; rel=next", "next"), "");
}

TEST(FindLink, RelativeTargetsResolveAgainstTheRequestUrl) {
  auto base = parse_url("https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000");
  ASSERT_TRUE(base);
  const char* h =
      "</v1/teams/acme/auditsV2?count=1000&offset=X>; rel=\"next\", <?count=1000&prev=true>; rel=prev";
  auto next = find_link(h, "next");
  ASSERT_TRUE(next);
  auto next_url = resolve_reference(*base, *next);
  ASSERT_TRUE(next_url);
  EXPECT_EQ(next_url->to_string(), "https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000&offset=X");
  EXPECT_EQ(query_parameter(next_url->target, "offset"), "X");
  auto prev = find_link(h, "prev");
  ASSERT_TRUE(prev);
  EXPECT_EQ(resolve_reference(*base, *prev)->to_string(),
            "https://app.scaleft.com/v1/teams/acme/auditsV2?count=1000&prev=true");
}

}  // namespace
}  // namespace sf::http
