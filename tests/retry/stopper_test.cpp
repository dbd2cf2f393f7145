// Tests of the stopper: sleeps end early on stop, and stop callbacks run exactly once.
#include "daemon/runtime/stopper.hpp"
#include "tests/support/run_bounded.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <optional>

namespace sf::runtime {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

using sf::test::run_bounded;

// Requests a stop after `d`, from another coroutine on the same executor.
asio::awaitable<void> stop_after(stopper& s, clock_type::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  s.request_stop();
}

TEST(Stopper, SleepCompletesWhenNotStopped) {
  asio::io_context io;
  stopper s(io.get_executor());
  std::optional<bool> result;
  clock_type::duration took{};
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> {
    const auto t0 = clock_type::now();
    result = co_await s.sleep(50ms);
    took = clock_type::now() - t0;
  }()));
  EXPECT_EQ(result, true);
  EXPECT_GE(took, 50ms);
  EXPECT_FALSE(s.stopping());
}

TEST(Stopper, StopEndsASleepEarlyAndReturnsFalse) {
  asio::io_context io;
  stopper s(io.get_executor());
  std::optional<bool> result;
  clock_type::duration took{};
  asio::co_spawn(io, stop_after(s, 30ms), asio::detached);
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> {
    const auto t0 = clock_type::now();
    result = co_await s.sleep(60s);
    took = clock_type::now() - t0;
  }()));
  EXPECT_EQ(result, false);
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(s.stopping());
}

TEST(Stopper, StopEndsEverySleeper) {
  asio::io_context io;
  stopper s(io.get_executor());
  int ended = 0, ended_false = 0;
  auto sleeper = [&]() -> asio::awaitable<void> {
    const bool r = co_await s.sleep(60s);
    ++ended;
    if (!r) ++ended_false;
  };
  for (int i = 0; i < 3; ++i) asio::co_spawn(io, sleeper(), asio::detached);
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> {
    co_await stop_after(s, 20ms);
    // Give the cancelled sleepers a turn to finish before the watchdog's stop.
    asio::steady_timer t(co_await asio::this_coro::executor, 20ms);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }()));
  EXPECT_EQ(ended, 3);
  EXPECT_EQ(ended_false, 3);
}

TEST(Stopper, SleepAfterStopReturnsAtOnce) {
  asio::io_context io;
  stopper s(io.get_executor());
  s.request_stop();
  std::optional<bool> result;
  clock_type::duration took{};
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> {
    const auto t0 = clock_type::now();
    result = co_await s.sleep(60s);
    took = clock_type::now() - t0;
  }()));
  EXPECT_EQ(result, false);
  EXPECT_LT(took, 1s);
}

TEST(Stopper, ACompletedSleepIsForgotten) {
  // A sleeper that already woke up must not be touched by a later stop (its timer is gone).
  asio::io_context io;
  stopper s(io.get_executor());
  std::optional<bool> first, second;
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> {
    first = co_await s.sleep(1ms);
    s.request_stop();
    second = co_await s.sleep(60s);
  }()));
  EXPECT_EQ(first, true);
  EXPECT_EQ(second, false);
}

TEST(Stopper, OnStopCallbacksRunOnceInOrder) {
  asio::io_context io;
  stopper s(io.get_executor());
  std::vector<int> calls;
  s.on_stop([&] { calls.push_back(1); });
  s.on_stop([&] { calls.push_back(2); });
  EXPECT_TRUE(calls.empty());
  s.request_stop();
  s.request_stop();
  s.request_stop();
  EXPECT_EQ(calls, (std::vector<int>{1, 2}));
  EXPECT_TRUE(s.stopping());
}

TEST(Stopper, CallbackMayRequestStopAgain) {
  // A callback that aborts I/O may itself end up asking for a stop; that must not recurse or repeat.
  asio::io_context io;
  stopper s(io.get_executor());
  int calls = 0;
  s.on_stop([&] {
    ++calls;
    s.request_stop();
  });
  s.request_stop();
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace sf::runtime
