// Tests of the RFC 3339 parser and formatter shared by the config and the audit pipeline.
#include "common/time/rfc3339.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

namespace sf::time {
namespace {

constexpr std::int64_t s = 1'000'000'000;

TEST(Rfc3339, ParsesUtcWithAndWithoutFraction) {
  EXPECT_EQ(parse_rfc3339_ns("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31T22:52:15Z"), 1596235935 * s);
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31T22:52:15.239331336Z"), 1596235935 * s + 239331336);
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31T22:52:15.5Z"), 1596235935 * s + 500'000'000);
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31T22:52:15.000000001Z"), 1596235935 * s + 1);
}

TEST(Rfc3339, AppliesOffsets) {
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31T22:52:15+02:00"), (1596235935 - 7200) * s);
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31T22:52:15-05:30"), (1596235935 + 5 * 3600 + 1800) * s);
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31T22:52:15+00:00"), 1596235935 * s);
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31T22:52:15-00:00"), 1596235935 * s);
  // An offset can move the instant across a day and year boundary.
  EXPECT_EQ(parse_rfc3339_ns("2021-01-01T00:30:00+01:00"), parse_rfc3339_ns("2020-12-31T23:30:00Z"));
}

TEST(Rfc3339, AcceptsLowercaseAndSpaceSeparators) {
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31t22:52:15z"), 1596235935 * s);
  EXPECT_EQ(parse_rfc3339_ns("2020-07-31 22:52:15Z"), 1596235935 * s);
}

TEST(Rfc3339, ChecksTheCalendar) {
  EXPECT_TRUE(parse_rfc3339_ns("2024-02-29T00:00:00Z"));   // leap year
  EXPECT_TRUE(parse_rfc3339_ns("2000-02-29T00:00:00Z"));   // divisible by 400
  EXPECT_FALSE(parse_rfc3339_ns("1900-02-29T00:00:00Z"));  // divisible by 100 only
  EXPECT_FALSE(parse_rfc3339_ns("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2023-04-31T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2023-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2023-00-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2023-01-00T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2023-01-01T24:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2023-01-01T00:60:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2023-01-01T00:00:61Z"));
}

TEST(Rfc3339, LeapSecondCountsAsNextMinute) {
  EXPECT_EQ(parse_rfc3339_ns("2016-12-31T23:59:60Z"), parse_rfc3339_ns("2017-01-01T00:00:00Z"));
}

TEST(Rfc3339, RejectsMalformedText) {
  for (const char* bad : {"",
                          "2020-07-31",
                          "2020-07-31T22:52:15",
                          "2020-07-31T22:52:15.Z",
                          "2020-07-31T22:52:15.1234567890Z",
                          "2020-07-31T22:52:15ZZ",
                          "2020-07-31T22:52:15+0200",
                          "2020-07-31T22:52:15+02",
                          "2020-07-31T22:52:15+24:00",
                          "2020-07-31T22:52:15+02:60",
                          "2020-07-31X22:52:15Z",
                          "2020/07/31T22:52:15Z",
                          "20-07-31T22:52:15Z",
                          "2020-7-31T22:52:15Z",
                          "2020-07-31T22:52:1aZ",
                          "2020-07-31T22:52:15 Z",
                          " 2020-07-31T22:52:15Z",
                          "2020-07-31T22:52:15.12a4Z",
                          "2020-07-31T22:52:15,5Z",
                          "oldest"}) {
    EXPECT_FALSE(parse_rfc3339_ns(bad).has_value()) << bad;
  }
}

TEST(Rfc3339, RejectsInstantsOutsideInt64Nanoseconds) {
  EXPECT_TRUE(parse_rfc3339_ns("2262-04-11T23:47:16.854775807Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2262-04-11T23:47:16.854775808Z"));
  EXPECT_FALSE(parse_rfc3339_ns("9999-12-31T23:59:59Z"));
  EXPECT_TRUE(parse_rfc3339_ns("1677-09-21T00:12:44Z"));
  EXPECT_FALSE(parse_rfc3339_ns("0001-01-01T00:00:00Z"));  // ScaleFT's "no expiry" is not an instant we hold
  EXPECT_LT(*parse_rfc3339_ns("1969-12-31T23:59:59.5Z"), 0);
  EXPECT_EQ(parse_rfc3339_ns("1969-12-31T23:59:59.5Z"), -500'000'000);
}

TEST(Rfc3339, FormatsUtcWithNineDigits) {
  EXPECT_EQ(format_rfc3339_ns(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_rfc3339_ns(1596235935 * s + 239331336), "2020-07-31T22:52:15.239331336Z");
  EXPECT_EQ(format_rfc3339_ns(-500'000'000), "1969-12-31T23:59:59.500000000Z");
}

TEST(Rfc3339, AgreesWithTimegmAndRoundTripsOnRandomInstants) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> secs(-5'000'000'000LL, 9'000'000'000LL);
  std::uniform_int_distribution<std::int64_t> frac(0, 999'999'999);
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t t = secs(rng);
    const std::int64_t ns = t * s + frac(rng);
    const std::string text = format_rfc3339_ns(ns);
    ASSERT_EQ(parse_rfc3339_ns(text), ns) << text;
    // Cross-check the calendar arithmetic against libc for the whole-second part.
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ASSERT_EQ(parse_rfc3339_ns(buf), t * s) << buf;
  }
}

}  // namespace
}  // namespace sf::time
