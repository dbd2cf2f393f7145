// A task's sleeps and the group's stop: a stop ends every sleep early, later sleeps return at once.
#include "tests/runtime/group_fixture.hpp"

namespace sf::runtime::test {
namespace {

struct sleep_record {
  std::optional<bool> result;
  clock_type::duration took{};
};

asio::awaitable<void> sleeper(sleep_record& r, clock_type::duration d) {
  const auto t0 = clock_type::now();
  r.result = co_await sleep(d);
  r.took = clock_type::now() - t0;
}

TEST_F(Group, ASleepCompletesWhenNotStopped) {
  sleep_record r;
  group().spawn("sleeper", sleeper(r, 50ms));
  drain();
  EXPECT_EQ(r.result, true);
  EXPECT_GE(r.took, 50ms);
  EXPECT_FALSE(group_->stopping());
}

TEST_F(Group, AStopEndsEverySleepEarly) {
  sleep_record r[3];
  auto& g = group();
  for (auto& one : r) g.spawn("sleeper", sleeper(one, 60s));
  stop_in(30ms);
  drain();
  for (auto& one : r) {
    EXPECT_EQ(one.result, false);
    EXPECT_LT(one.took, 2s);
  }
  EXPECT_TRUE(group_->stopping());
}

// Also how a task spawned after the stop hears it: its first sleep returns at once.
TEST_F(Group, ASleepAfterAStopReturnsAtOnce) {
  group().stop();
  sleep_record r;
  group_->spawn("late sleeper", sleeper(r, 60s));
  drain();
  EXPECT_EQ(r.result, false);
  EXPECT_LT(r.took, 1s);
}

asio::awaitable<void> sleep_stop_sleep(task_group& g, std::optional<bool>& first,
                                       std::optional<bool>& second) {
  first = co_await sleep(1ms);
  g.stop();
  second = co_await sleep(60s);
}

TEST_F(Group, ACompletedSleepIsNotTouchedByALaterStop) {
  std::optional<bool> first, second;
  auto& g = group();
  g.spawn("sleeper", sleep_stop_sleep(g, first, second));
  drain();
  EXPECT_EQ(first, true);
  EXPECT_EQ(second, false);
}

TEST_F(Group, OnStopRunsOnceAndMayStopAgain) {
  auto& g = group();
  int calls = 0;
  g.on_stop = [&] {
    ++calls;
    g.stop();  // no recursion, no repeat
  };
  g.stop();
  g.stop();
  g.end();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(g.ended());
}

}  // namespace
}  // namespace sf::runtime::test
