// Unit tests of rate-limit header interpretation: which header wins, and every odd value ends in a bounded
// wait.
#include "daemon/source/rate_limit_headers.hpp"

#include <gtest/gtest.h>

namespace sf::retry {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr std::int64_t now_s = 1'700'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT
constexpr std::int64_t now_ms = now_s * 1000;

std::string at(std::int64_t offset_s) {
  return std::to_string(now_s + offset_s);
}

TEST(RequestedWait, RetryAfterSeconds) {
  rate_limit_headers h;
  h.retry_after = "120";
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(120'000));
  h.retry_after = " 7 ";
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(7'000));
}

TEST(RequestedWait, RetryAfterHttpDate) {
  rate_limit_headers h;
  h.retry_after = "Tue, 14 Nov 2023 22:15:20 GMT";  // two minutes from now
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(120'000));
  // Our clock half a second past the whole second: the wait is measured from now, not rounded.
  EXPECT_EQ(requested_wait(h, now_ms + 500, true), milliseconds(119'500));
}

// RFC 9110 makes recipients accept the two obsolete forms too (common/time/http_date.hpp parses all three).
TEST(RequestedWait, RetryAfterObsoleteHttpDateForms) {
  rate_limit_headers h;
  h.retry_after = "Tuesday, 14-Nov-23 22:15:20 GMT";
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(120'000));
  h.retry_after = "Tue Nov 14 22:15:20 2023";
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(120'000));
}

TEST(RequestedWait, RetryAtThenResetWhenNoRetryAfter) {
  const std::string retry_at = at(30), reset = at(45);
  rate_limit_headers h;
  h.retry_at = retry_at;
  h.reset = reset;
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(30'000));
  h.retry_at = {};
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(45'000));
}

TEST(RequestedWait, RetryAfterWinsOverTheRateLimitHeaders) {
  const std::string retry_at = at(30), reset = at(45);
  rate_limit_headers h;
  h.retry_after = "5";
  h.retry_at = retry_at;
  h.reset = reset;
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(5'000));
}

TEST(RequestedWait, UnparsableValuesFallThroughToTheNextHeader) {
  const std::string retry_at = at(30), reset = at(45);
  rate_limit_headers h;
  h.retry_after = "soon";
  h.retry_at = retry_at;
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(30'000));
  h.retry_at = "-5";
  h.reset = reset;
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(45'000));
  h.reset = "1.7e9";
  EXPECT_EQ(requested_wait(h, now_ms, true), std::nullopt);
}

TEST(RequestedWait, BareTooManyRequestsLeavesItToBackoff) {
  EXPECT_EQ(requested_wait(rate_limit_headers{}, now_ms, true), std::nullopt);
  rate_limit_headers h;
  h.limit = "10000";
  h.remaining = "0";
  EXPECT_EQ(requested_wait(h, now_ms, true), std::nullopt);
}

TEST(RequestedWait, TimesInThePastWaitTheMinimum) {
  const std::string past = at(-3600);
  rate_limit_headers h;
  h.retry_at = past;
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(1'000));
  h.retry_at = "0";
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(1'000));
  rate_limit_headers d;
  d.retry_after = "Sun, 06 Nov 1994 08:49:37 GMT";
  EXPECT_EQ(requested_wait(d, now_ms, true), milliseconds(1'000));
  rate_limit_headers z;
  z.retry_after = "0";
  EXPECT_EQ(requested_wait(z, now_ms, true), milliseconds(1'000));
}

TEST(RequestedWait, AbsurdTimesAreClampedToTheMaximum) {
  const std::string years = at(3 * 365 * 86400);
  rate_limit_headers h;
  h.retry_at = years;
  EXPECT_EQ(requested_wait(h, now_ms, true), milliseconds(3'600'000));
  rate_limit_headers a;
  a.retry_after = "86400";
  EXPECT_EQ(requested_wait(a, now_ms, true), milliseconds(3'600'000));
  a.retry_after = "Fri, 01 Jan 9999 00:00:00 GMT";
  EXPECT_EQ(requested_wait(a, now_ms, true), milliseconds(3'600'000));
}

TEST(RequestedWait, HugeNumbersDoNotOverflowIntoNoWait) {
  // Just past INT64_MAX / 1000: in milliseconds it no longer fits in 64 bits and must not wrap negative.
  rate_limit_headers n;
  n.retry_after = "9223372036854776";
  EXPECT_EQ(requested_wait(n, now_ms, true), milliseconds(3'600'000));
  rate_limit_headers m;
  m.retry_at = "9223372036854776";
  EXPECT_EQ(requested_wait(m, now_ms, true), milliseconds(3'600'000));
  // 18 digits is the most parse_unsigned accepts.
  rate_limit_headers a;
  a.retry_after = "999999999999999999";
  EXPECT_EQ(requested_wait(a, now_ms, true), milliseconds(3'600'000));
  rate_limit_headers r;
  r.retry_at = "999999999999999999";
  EXPECT_EQ(requested_wait(r, now_ms, true), milliseconds(3'600'000));
  rate_limit_headers s;
  s.remaining = "0";
  s.reset = "999999999999999999";
  EXPECT_EQ(requested_wait(s, now_ms, false), milliseconds(3'600'000));
  // One digit more is not a number we accept at all.
  rate_limit_headers t;
  t.retry_after = "9999999999999999999";
  EXPECT_EQ(requested_wait(t, now_ms, true), std::nullopt);
}

TEST(RequestedWait, CustomBounds) {
  const rate_limit_bounds b{milliseconds(250), milliseconds(10'000)};
  const std::string past = at(-1), soon = at(3), far = at(60);
  rate_limit_headers h;
  h.retry_at = past;
  EXPECT_EQ(requested_wait(h, now_ms, true, b), milliseconds(250));
  h.retry_at = soon;
  EXPECT_EQ(requested_wait(h, now_ms, true, b), milliseconds(3'000));
  h.retry_at = far;
  EXPECT_EQ(requested_wait(h, now_ms, true, b), milliseconds(10'000));
}

TEST(RequestedWait, SuccessWithNothingRemainingWaitsForTheReset) {
  const std::string reset = at(90);
  rate_limit_headers h;
  h.limit = "10000";
  h.remaining = "0";
  h.reset = reset;
  EXPECT_EQ(requested_wait(h, now_ms, false), milliseconds(90'000));
  h.remaining = "1";
  EXPECT_EQ(requested_wait(h, now_ms, false), std::nullopt);
  h.remaining = "9999";
  EXPECT_EQ(requested_wait(h, now_ms, false), std::nullopt);
  h.remaining = "0";
  h.reset = {};
  EXPECT_EQ(requested_wait(h, now_ms, false), std::nullopt);  // nothing says when: go on
  h.remaining = "";
  h.reset = reset;
  EXPECT_EQ(requested_wait(h, now_ms, false), std::nullopt);
}

TEST(RequestedWait, SuccessIgnoresRetryHeaders) {
  // Only a 429 is a request to wait; on a success with quota left, a stray Retry-After changes nothing.
  const std::string retry_at = at(30);
  rate_limit_headers h;
  h.retry_after = "60";
  h.retry_at = retry_at;
  h.remaining = "42";
  EXPECT_EQ(requested_wait(h, now_ms, false), std::nullopt);
}

TEST(ParseUnsigned, DigitsOnly) {
  EXPECT_EQ(parse_unsigned("0"), 0);
  EXPECT_EQ(parse_unsigned("10000"), 10000);
  EXPECT_EQ(parse_unsigned("\t42 "), 42);
  EXPECT_EQ(parse_unsigned("999999999999999999"), 999'999'999'999'999'999);
  for (const char* bad : {"", " ", "-1", "+1", "1 2", "1.5", "0x10", "12a", "9999999999999999999"})
    EXPECT_EQ(parse_unsigned(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace sf::retry

TEST(PacingWait, SpreadsTheLastRequestsOverTheTimeToReset) {
  using namespace std::chrono;
  const std::int64_t now_ms = 1'700'000'000'000;
  sf::retry::rate_limit_headers h{};
  h.remaining = "9";
  h.reset = "1700000100";  // 100 s from now
  auto w = sf::retry::pacing_wait(h, now_ms, 100);
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, milliseconds(10'000)) << "9 requests left over 100 s: one every 10 s";
  h.remaining = "500";
  EXPECT_FALSE(sf::retry::pacing_wait(h, now_ms, 100)) << "plenty of budget: no pacing";
  h.remaining = "0";
  EXPECT_FALSE(sf::retry::pacing_wait(h, now_ms, 100)) << "an exhausted budget is requested_wait's case";
  h.remaining = "5";
  h.reset = "1699999000";
  EXPECT_FALSE(sf::retry::pacing_wait(h, now_ms, 100)) << "a reset in the past means the budget is back";
  h.reset = "99999999999999999";
  ASSERT_TRUE(sf::retry::pacing_wait(h, now_ms, 100));
  EXPECT_EQ(*sf::retry::pacing_wait(h, now_ms, 100), hours(1)) << "absurd resets are clamped";
  h.reset = "";
  EXPECT_FALSE(sf::retry::pacing_wait(h, now_ms, 100));
}
