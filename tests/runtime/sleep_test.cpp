// A task's sleeps and the group's stop: a stop ends every sleep early, later sleeps return at once.
#include "daemon/runtime/cancellation.hpp"
#include "daemon/runtime/task_group.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <optional>

namespace sf::runtime::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Runs the io_context until the group is empty, at most `bound` (a watchdog: a hang fails, never blocks).
bool run_group(asio::io_context& io, task_group& g, clock_type::duration bound = 5s) {
  const auto until = clock_type::now() + bound;
  while (g.running() > 0 && clock_type::now() < until) io.run_for(20ms);
  return g.running() == 0;
}

struct sleep_record {
  std::optional<bool> result;
  clock_type::duration took{};
};

asio::awaitable<void> sleeper(sleep_record& r, clock_type::duration d) {
  const auto t0 = clock_type::now();
  r.result = co_await sleep(d);
  r.took = clock_type::now() - t0;
}

void stop_later(asio::steady_timer& t, task_group& g, clock_type::duration d) {
  t.expires_after(d);
  t.async_wait([&g](const boost::system::error_code& ec) {
    if (!ec) g.stop();
  });
}

TEST(TaskSleep, CompletesWhenNotStopped) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  sleep_record r;
  g.spawn("sleeper", sleeper(r, 50ms));
  ASSERT_TRUE(run_group(io, g));
  EXPECT_EQ(r.result, true);
  EXPECT_GE(r.took, 50ms);
  EXPECT_FALSE(g.stopping());
}

TEST(TaskSleep, AStopEndsASleepEarlyAndReturnsFalse) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  sleep_record r;
  g.spawn("sleeper", sleeper(r, 60s));
  asio::steady_timer t(io);
  stop_later(t, g, 30ms);
  ASSERT_TRUE(run_group(io, g));
  EXPECT_EQ(r.result, false);
  EXPECT_LT(r.took, 2s);
  EXPECT_TRUE(g.stopping());
}

TEST(TaskSleep, AStopEndsEverySleeper) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  sleep_record r[3];
  for (auto& one : r) g.spawn("sleeper", sleeper(one, 60s));
  asio::steady_timer t(io);
  stop_later(t, g, 20ms);
  ASSERT_TRUE(run_group(io, g));
  for (auto& one : r) {
    EXPECT_EQ(one.result, false);
    EXPECT_LT(one.took, 2s);
  }
}

TEST(TaskSleep, ASleepAfterAStopReturnsAtOnce) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  g.stop();
  sleep_record r;
  g.spawn("late sleeper", sleeper(r, 60s));
  ASSERT_TRUE(run_group(io, g));
  EXPECT_EQ(r.result, false);
  EXPECT_LT(r.took, 1s);
}

asio::awaitable<void> sleep_stop_sleep(task_group& g, std::optional<bool>& first,
                                       std::optional<bool>& second) {
  first = co_await sleep(1ms);
  g.stop();
  second = co_await sleep(60s);
}

TEST(TaskSleep, ACompletedSleepIsNotTouchedByALaterStop) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  std::optional<bool> first, second;
  g.spawn("sleeper", sleep_stop_sleep(g, first, second));
  ASSERT_TRUE(run_group(io, g));
  EXPECT_EQ(first, true);
  EXPECT_EQ(second, false);
}

TEST(TaskSleep, OnStopRunsOnceAndMayStopAgain) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
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
