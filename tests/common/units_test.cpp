// Tests of the configuration's duration and size syntax.
#include "common/units/units.hpp"

#include <gtest/gtest.h>

namespace sf::units {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("1500ms"), duration(1500));
  EXPECT_EQ(parse_duration("30s"), duration(30s));
  EXPECT_EQ(parse_duration("5m"), duration(5min));
  EXPECT_EQ(parse_duration("2h"), duration(2h));
  EXPECT_EQ(parse_duration("7d"), duration(7 * 24h));
  EXPECT_EQ(parse_duration("0s"), duration(0));
}

TEST(ParseDuration, AcceptsCompoundValues) {
  EXPECT_EQ(parse_duration("1h30m"), duration(90min));
  EXPECT_EQ(parse_duration("1m500ms"), duration(60500));
}

TEST(ParseDuration, RejectsBareNumbersAndJunk) {
  for (const char* bad : {"", "30", "s", "1.5s", "-1s", "+1s", "1 s", " 1s", "1s ", "1S", "1sec", "1msx",
                          "1us", "ms1", "1h30", "1y"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(ParseDuration, RejectsOverflow) {
  EXPECT_FALSE(parse_duration("99999999999999999999ms").has_value());
  EXPECT_FALSE(parse_duration("9223372036854775807d").has_value());
  EXPECT_EQ(parse_duration("9223372036854775807ms"), duration(9223372036854775807LL));
  EXPECT_FALSE(parse_duration("9223372036854775807ms1ms").has_value());
}

TEST(FormatDuration, PicksTheLargestExactUnitAndRoundTrips) {
  EXPECT_EQ(format_duration(duration(1500)), "1500ms");
  EXPECT_EQ(format_duration(duration(90s)), "90s");
  EXPECT_EQ(format_duration(duration(2h)), "2h");
  EXPECT_EQ(format_duration(duration(7 * 24h)), "7d");
  EXPECT_EQ(format_duration(duration(0)), "0s");
  for (long long ms : {1LL, 999LL, 1000LL, 61000LL, 3600001LL, 86400000LL * 3 + 1000}) {
    EXPECT_EQ(parse_duration(format_duration(duration(ms))), duration(ms)) << ms;
  }
}

TEST(ParseSize, AcceptsBytesAndBinaryUnits) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("12345"), 12345u);
  EXPECT_EQ(parse_size("100B"), 100u);
  EXPECT_EQ(parse_size("512KiB"), 512u * 1024);
  EXPECT_EQ(parse_size("10MiB"), 10u * 1024 * 1024);
  EXPECT_EQ(parse_size("10 MiB"), 10u * 1024 * 1024);
  EXPECT_EQ(parse_size("2GiB"), 2ull << 30);
}

TEST(ParseSize, RejectsOtherUnitsAndJunk) {
  for (const char* bad :
       {"", "MiB", "10MB", "10mb", "10mib", "1.5MiB", "-1", "10  MiB", "10MiB ", "1TiB", "10K"}) {
    EXPECT_FALSE(parse_size(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_size("18446744073709551616").has_value());
  EXPECT_FALSE(parse_size("17179869184GiB").has_value());
}

TEST(FormatSize, PicksTheLargestExactUnitAndRoundTrips) {
  EXPECT_EQ(format_size(10u << 20), "10MiB");
  EXPECT_EQ(format_size(1536u * 1024), "1536KiB");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(1ull << 30), "1GiB");
  for (std::uint64_t b : {1ull, 1023ull, 1024ull, 1025ull, 3ull << 30, (5ull << 20) + 1024}) {
    EXPECT_EQ(parse_size(format_size(b)), b) << b;
  }
}

}  // namespace
}  // namespace sf::units
