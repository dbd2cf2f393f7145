// Tests of the HTTP-date parser: each RFC 9110 form, the RFC 850 two-digit year rule, and bad input.
#include "common/time/http_date.hpp"

#include <gtest/gtest.h>

namespace sf::time {
namespace {

constexpr std::int64_t now_s = 1'700'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT

TEST(HttpDate, ImfFixdate) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", now_s), 784'111'777);
  EXPECT_EQ(parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT", now_s), now_s);
  EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", now_s), 0);
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT", now_s), 1'709'251'199);
  EXPECT_EQ(parse_http_date("  Sun, 06 Nov 1994 08:49:37 GMT\t", now_s), 784'111'777);
}

TEST(HttpDate, Rfc850) {
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", now_s), 784'111'777);
  EXPECT_EQ(parse_http_date("Tuesday, 14-Nov-23 22:13:20 GMT", now_s), now_s);
  EXPECT_EQ(parse_http_date("Friday, 31-Dec-99 23:59:59 GMT", now_s), 946'684'799);  // 2099 is too far ahead
}

TEST(HttpDate, Rfc850TwoDigitYearIsNeverMoreThanFiftyYearsAhead) {
  // From 2023: "73" is 2073 (50 years ahead), "74" would be 2074 (51 ahead), so it is 1974.
  EXPECT_EQ(parse_http_date("Sunday, 01-Jan-73 00:00:00 GMT", now_s), parse_http_date("Sun, 01 Jan 2073 00:00:00 GMT", now_s));
  EXPECT_EQ(parse_http_date("Tuesday, 01-Jan-74 00:00:00 GMT", now_s), parse_http_date("Tue, 01 Jan 1974 00:00:00 GMT", now_s));
}

TEST(HttpDate, Asctime) {
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994", now_s), 784'111'777);
  EXPECT_EQ(parse_http_date("Tue Nov 14 22:13:20 2023", now_s), now_s);
  EXPECT_EQ(parse_http_date("Sun Nov 06 08:49:37 1994", now_s), 784'111'777);
}

TEST(HttpDate, TheClockOverloadReadsTheSameForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784'111'777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784'111'777);
}

// RFC 9110's second is 00-60: a leap second is the next second (fuzz_http_date's corpus regress-leap-second-9999:
// at the end of 9999 it lies one past the last second of the year, which the fuzz target's bound now allows).
TEST(HttpDate, LeapSecondIsTheNextSecond) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:60 GMT", now_s), 784'111'800);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:50:00 GMT", now_s), 784'111'800);
  EXPECT_EQ(parse_http_date("Fri, 31 Dec 9999 23:59:60 GMT", now_s), 253'402'300'800);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:61 GMT", now_s), std::nullopt);
}

TEST(HttpDate, RejectsBadInput) {
  for (const char* bad : {"", "Sun", "120", "2023-11-14T22:13:20Z",
                          // IMF-fixdate near misses
                          "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 gmt", "Sun, 06 Nov 1994 08:49:37",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
                          "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT",
                          "Sun, 06 Nov 1994 08:60:37 GMT", "Sun, 06 Nov 1994 08-49-37 GMT",
                          "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
                          "Sun, 29 Feb 2023 08:49:37 GMT", "Sun, 06 Nov 19x4 08:49:37 GMT", "Sun,  6 Nov 1994 08:49:37 GMT",
                          // fuzz_http_date's finding (corpus/http_date/regress-imf-fixdate-separators): the two
                          // parsers before this one read it as the 3rd or the 30th
                          "Sun,  30Nov 1994 08:49:37 GMT",
                          // RFC 850 near misses
                          "Sun, 06-Nov-94 08:49:37 GMT", "Sundae, 06-Nov-94 08:49:37 GMT",
                          "Sunday, 06-Nov-1994 08:49:37 GMT", "Sunday, 06 Nov 94 08:49:37 GMT",
                          "Sunday, 06-Nov-94 08:49:37 UTC", "Sunday, 31-Nov-94 08:49:37 GMT", "Sunday,06-Nov-94 08:49:37 GMT",
                          // asctime near misses
                          "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", "Sun Nov  6 08:49:37 1994 GMT",
                          "Sun Nov 31 08:49:37 1994", "Sunday Nov  6 08:49:37 1994", "Sun Nov  x 08:49:37 1994"})
    EXPECT_EQ(parse_http_date(bad, now_s), std::nullopt) << bad;
}

TEST(HttpDate, FormatsTheImfFixdateThatParsesBack) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(format_http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  for (std::int64_t s : {0LL, 784111777LL, 1700000000LL, 4102444799LL, -86401LL})
    EXPECT_EQ(parse_http_date(format_http_date(s), 0), s) << s;
}

}  // namespace
}  // namespace sf::time
