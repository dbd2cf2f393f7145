// The task group: a stop lets work in hand finish, the grace's end cancels what is left, services outlast
// workers.
#include "daemon/runtime/task_group.hpp"
#include "daemon/runtime/cancellation.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>

namespace sf::runtime::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// A plain wait that does not look at the stop: only cancellation of the wait itself ends it early.
asio::awaitable<bool> work_for(clock_type::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

// Runs the io_context until the group is empty, at most `bound` (a watchdog: a hang fails, never blocks).
bool drain(asio::io_context& io, task_group& g, clock_type::duration bound = 10s) {
  const auto until = clock_type::now() + bound;
  while (g.running() > 0 && clock_type::now() < until) io.run_for(20ms);
  return g.running() == 0;
}

void stop_after(asio::io_context& io, task_group& g, clock_type::duration d, asio::steady_timer& t) {
  t.expires_after(d);
  t.async_wait([&g](const boost::system::error_code& ec) {
    if (!ec) g.stop();
  });
}

struct batch_task_state {
  bool finished_batch = false;
  bool saw_stop = false;
  bool aborted = false;
  clock_type::time_point ended{};
};

// A delivery in the manner of a sink: cancellation of its wait is thrown (operation_aborted).
asio::awaitable<bool> deliver_for(clock_type::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
  co_return true;
}

// A worker in the manner of a sink lane: its batch runs to the end through a stop, then it returns.
asio::awaitable<void> batch_worker(batch_task_state& s, clock_type::duration batch) {
  try {
    s.finished_batch = co_await finish_on_stop(deliver_for(batch));
  } catch (const boost::system::system_error& e) {
    s.aborted = e.code() == asio::error::operation_aborted;
  }
  s.saw_stop = co_await stop_requested();
  s.ended = clock_type::now();
}

TEST(TaskGroup, AStopLetsATaskFinishItsBatch) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  batch_task_state s;
  g.spawn("lane", batch_worker(s, 300ms));
  asio::steady_timer t(io);
  stop_after(io, g, 50ms, t);
  const auto t0 = clock_type::now();
  ASSERT_TRUE(drain(io, g));
  EXPECT_TRUE(s.finished_batch);
  EXPECT_FALSE(s.aborted);
  EXPECT_TRUE(s.saw_stop);
  EXPECT_GE(s.ended - t0, 280ms);  // the batch was not cut short by the stop
  EXPECT_LT(s.ended - t0, 2s);     // nor did the group wait for the grace
  EXPECT_FALSE(g.grace_expired());
  EXPECT_FALSE(g.failed());
}

TEST(TaskGroup, TheGracesEndCancelsWhatIsLeft) {
  asio::io_context io;
  task_group g(io.get_executor(), 200ms);
  batch_task_state s;
  g.spawn("stuck lane", batch_worker(s, 30s));
  asio::steady_timer t(io);
  stop_after(io, g, 50ms, t);
  const auto t0 = clock_type::now();
  ASSERT_TRUE(drain(io, g));
  EXPECT_FALSE(s.finished_batch);
  EXPECT_TRUE(s.aborted);
  EXPECT_GE(s.ended - t0, 240ms);  // stop at 50 ms, grace 200 ms
  EXPECT_LT(s.ended - t0, 2s);
  EXPECT_TRUE(g.grace_expired());
  EXPECT_FALSE(g.failed());  // being ended is not a failure
}

// Never looks at the stop and retries whatever ends its wait: a plain coroutine (default filter) ends only
// because Asio throws at its next co_await once terminal cancellation reached it.
asio::awaitable<void> deaf(int& waits) {
  for (;;) {
    ++waits;
    co_await work_for(30s);
  }
}

TEST(TaskGroup, ATaskThatIgnoresTheStopEndsAtTheGracesEnd) {
  asio::io_context io;
  task_group g(io.get_executor(), 300ms);
  int waits = 0;
  g.spawn("deaf", finish_on_stop(deaf(waits)));
  asio::steady_timer t(io);
  stop_after(io, g, 50ms, t);
  const auto t0 = clock_type::now();
  ASSERT_TRUE(drain(io, g));
  EXPECT_GE(clock_type::now() - t0, 330ms);
  EXPECT_LT(clock_type::now() - t0, 2s);
  EXPECT_EQ(waits, 2);  // the stop did not reach it; the end did, and it could not wait again
  EXPECT_TRUE(g.grace_expired());
}

asio::awaitable<void> poller(bool& slept_through, clock_type::time_point& ended) {
  slept_through = co_await sleep(30s);
  ended = clock_type::now();
}

TEST(TaskGroup, AStopEndsWhatATaskWaitsFor) {
  asio::io_context io;
  task_group g(io.get_executor(), 10s);
  bool slept_through = true;
  clock_type::time_point ended{};
  g.spawn("poll", poller(slept_through, ended));
  asio::steady_timer t(io);
  stop_after(io, g, 50ms, t);
  const auto t0 = clock_type::now();
  ASSERT_TRUE(drain(io, g));
  EXPECT_FALSE(slept_through);
  EXPECT_LT(ended - t0, 1s);
}

asio::awaitable<void> service(clock_type::time_point& stop_seen, clock_type::time_point& end_seen) {
  co_await until_stop();
  stop_seen = clock_type::now();
  co_await until_end();
  end_seen = clock_type::now();
}

TEST(TaskGroup, ServicesHearTheStopAndEndAfterTheLastWorker) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  clock_type::time_point stop_seen{}, end_seen{};
  batch_task_state s;
  bool told = false;
  g.on_stop = [&] { told = true; };
  g.spawn("endpoint", service(stop_seen, end_seen), task_role::service);
  g.spawn("lane", batch_worker(s, 300ms));
  asio::steady_timer t(io);
  stop_after(io, g, 50ms, t);
  const auto t0 = clock_type::now();
  ASSERT_TRUE(drain(io, g));
  EXPECT_TRUE(told);
  EXPECT_TRUE(s.finished_batch);
  EXPECT_LT(stop_seen - t0, 250ms);  // at the stop, while the worker still works
  EXPECT_GE(end_seen, s.ended);      // after the last worker
  EXPECT_FALSE(g.grace_expired());
}

asio::awaitable<void> failing() {
  co_await work_for(20ms);
  throw std::runtime_error("boom");
}

TEST(TaskGroup, AFailingTaskStopsTheGroup) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  bool slept_through = true;
  clock_type::time_point ended{};
  g.spawn("poll", poller(slept_through, ended));
  g.spawn("broken", failing());
  ASSERT_TRUE(drain(io, g));
  EXPECT_TRUE(g.failed());
  EXPECT_TRUE(g.stopping());
  EXPECT_FALSE(slept_through);
}

TEST(TaskGroup, ATaskSpawnedAfterAStopHearsItAtOnce) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  g.stop();
  bool slept_through = true;
  clock_type::time_point ended{};
  const auto t0 = clock_type::now();
  g.spawn("late", poller(slept_through, ended));
  ASSERT_TRUE(drain(io, g));
  EXPECT_FALSE(slept_through);
  EXPECT_LT(ended - t0, 1s);
}

TEST(TaskGroup, EndWithoutAStopCancelsEverythingAtOnce) {
  asio::io_context io;
  task_group g(io.get_executor(), 30s);
  batch_task_state s;
  g.spawn("lane", batch_worker(s, 30s));
  asio::steady_timer t(io, 50ms);
  t.async_wait([&](const boost::system::error_code&) { g.end(); });
  const auto t0 = clock_type::now();
  ASSERT_TRUE(drain(io, g));
  EXPECT_TRUE(s.aborted);
  EXPECT_LT(s.ended - t0, 1s);
  EXPECT_FALSE(g.grace_expired());
}

TEST(TaskGroup, JoinCompletesWhenTheLastTaskEnds) {
  asio::io_context io;
  task_group g(io.get_executor(), 5s);
  batch_task_state s;
  g.spawn("lane", batch_worker(s, 100ms));
  bool joined = false;
  asio::co_spawn(io, g.join(), [&](std::exception_ptr) { joined = true; });
  io.run_for(5s);
  EXPECT_TRUE(joined);
  EXPECT_TRUE(s.finished_batch);
  EXPECT_FALSE(s.saw_stop);
}

}  // namespace
}  // namespace sf::runtime::test
