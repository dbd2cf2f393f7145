// The log throttle: the first occurrence at once, then one per interval with the count left out between.
#include "common/log/throttle.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using sf::log::throttle;

TEST(LogThrottle, FirstOccurrenceIsDueAtOnce) {
  throttle t(60s);
  EXPECT_TRUE(t.due(throttle::clock::time_point(100s)));
  EXPECT_EQ(t.suppressed(), 0u);
}

TEST(LogThrottle, RepeatsWithinTheIntervalAreCountedNotReported) {
  throttle t(60s);
  const throttle::clock::time_point t0(100s);
  ASSERT_TRUE(t.due(t0));
  EXPECT_FALSE(t.due(t0 + 1s));
  EXPECT_FALSE(t.due(t0 + 30s));
  EXPECT_FALSE(t.due(t0 + 59s));
  EXPECT_TRUE(t.due(t0 + 60s));
  EXPECT_EQ(t.suppressed(), 3u);
  EXPECT_FALSE(t.due(t0 + 61s));
  EXPECT_TRUE(t.due(t0 + 200s));
  EXPECT_EQ(t.suppressed(), 1u);
  EXPECT_TRUE(t.due(t0 + 300s));
  EXPECT_EQ(t.suppressed(), 0u);
}
