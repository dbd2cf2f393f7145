// Unit tests of the jittered exponential backoff: growth, cap and jitter bounds.
#include "common/retry/backoff.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

namespace sf::retry {
namespace {

using std::chrono::milliseconds;

TEST(BackoffDelay, DoublesFromTheInitialDelay) {
  const milliseconds initial(100), max(60'000);
  // With the jitter at its top the delay is the nominal one.
  EXPECT_EQ(backoff_delay(0, initial, max, 1.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(1, initial, max, 1.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(2, initial, max, 1.0), milliseconds(400));
  EXPECT_EQ(backoff_delay(5, initial, max, 1.0), milliseconds(3200));
  // With the jitter at its bottom it is exactly half.
  EXPECT_EQ(backoff_delay(0, initial, max, 0.0), milliseconds(50));
  EXPECT_EQ(backoff_delay(3, initial, max, 0.0), milliseconds(400));
}

TEST(BackoffDelay, IsCappedAtMax) {
  const milliseconds initial(500), max(30'000);
  EXPECT_EQ(backoff_delay(6, initial, max, 1.0), max);  // 32 s nominal
  EXPECT_EQ(backoff_delay(20, initial, max, 1.0), max);
  EXPECT_EQ(backoff_delay(1000, initial, max, 1.0), max);  // no overflow after many failures
  EXPECT_EQ(backoff_delay(std::numeric_limits<int>::max(), initial, max, 0.999), milliseconds(29'985));
  EXPECT_EQ(backoff_delay(1000, initial, max, 0.0), max / 2);
}

TEST(BackoffDelay, JitterStaysBetweenHalfAndTheCap) {
  const milliseconds initial(250), max(10'000);
  for (int attempt = 0; attempt < 50; ++attempt) {
    const double nominal = std::min(10'000.0, 250.0 * std::pow(2.0, std::min(attempt, 40)));
    for (double u : {0.0, 1e-9, 0.25, 0.5, 0.75, 0.999999, 1.0, -3.0, 7.0}) {
      const auto d = backoff_delay(attempt, initial, max, u);
      EXPECT_GE(d.count(), static_cast<long long>(nominal / 2)) << attempt << " " << u;
      EXPECT_LE(d, max) << attempt << " " << u;
      EXPECT_LE(d.count(), static_cast<long long>(nominal)) << attempt << " " << u;
    }
  }
}

TEST(BackoffDelay, JitterSpreadsDelays) {
  // Two forwarders that fail together must not retry together: different draws, different delays.
  EXPECT_NE(backoff_delay(4, milliseconds(100), milliseconds(60'000), 0.1),
            backoff_delay(4, milliseconds(100), milliseconds(60'000), 0.9));
}

TEST(Backoff, GrowsAcrossCallsAndResets) {
  backoff b(milliseconds(100), milliseconds(1'000));
  milliseconds last(0);
  for (int i = 0; i < 12; ++i) {
    const auto d = b.next();
    const double nominal = std::min(1'000.0, 100.0 * std::pow(2.0, i));
    EXPECT_GE(d.count(), static_cast<long long>(nominal / 2)) << i;
    EXPECT_LE(d.count(), static_cast<long long>(nominal)) << i;
    last = d;
  }
  EXPECT_EQ(b.attempts(), 12);
  EXPECT_GE(last, milliseconds(500));
  b.reset();
  EXPECT_EQ(b.attempts(), 0);
  const auto first = b.next();
  EXPECT_GE(first, milliseconds(50));
  EXPECT_LE(first, milliseconds(100));
}

TEST(Backoff, DrawsAreNotAllTheSame) {
  backoff b(milliseconds(1'000), milliseconds(1'000));  // nominal fixed at 1 s: only the jitter varies
  std::set<long long> seen;
  for (int i = 0; i < 20; ++i) seen.insert(b.next().count());
  EXPECT_GT(seen.size(), 5u);
}

}  // namespace
}  // namespace sf::retry
