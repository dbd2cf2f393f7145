// The task group: a stop lets work in hand finish, the grace's end cancels what is left, services outlast
// workers.
#include "tests/runtime/group_fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

namespace sf::runtime::test {
namespace {

// A plain wait that does not look at the stop: only cancellation of the wait itself ends it early.
asio::awaitable<bool> work_for(clock_type::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

// A delivery in the manner of a sink: cancellation of its wait is thrown (operation_aborted).
asio::awaitable<bool> deliver_for(clock_type::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
  co_return true;
}

struct lane_record {
  bool finished_batch = false;
  bool saw_stop = false;
  bool aborted = false;
  clock_type::time_point ended{};
};

// A worker in the manner of a sink lane: its batch runs to the end through a stop, then it returns.
asio::awaitable<void> lane(lane_record& s, clock_type::duration batch) {
  try {
    s.finished_batch = co_await finish_on_stop(deliver_for(batch));
  } catch (const boost::system::system_error& e) {
    s.aborted = e.code() == asio::error::operation_aborted;
  }
  s.saw_stop = co_await stop_requested();
  s.ended = clock_type::now();
}

TEST_F(Group, AStopLetsATaskFinishItsBatch) {
  lane_record s;
  group(5s).spawn("lane", lane(s, 300ms));
  stop_in(50ms);
  const auto took = drain();
  EXPECT_TRUE(s.finished_batch);
  EXPECT_FALSE(s.aborted);
  EXPECT_TRUE(s.saw_stop);
  EXPECT_GE(took, 280ms);  // the batch was not cut short by the stop
  EXPECT_LT(took, 2s);     // nor did the group wait for the grace
  EXPECT_FALSE(group_->grace_expired());
  EXPECT_FALSE(group_->failed());
}

TEST_F(Group, TheGracesEndCancelsWhatIsLeft) {
  lane_record s;
  group(200ms).spawn("stuck lane", lane(s, 30s));
  stop_in(50ms);
  const auto took = drain();
  EXPECT_FALSE(s.finished_batch);
  EXPECT_TRUE(s.aborted);
  EXPECT_GE(took, 240ms);  // stop at 50 ms, grace 200 ms
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(group_->grace_expired());
  EXPECT_FALSE(group_->failed());  // being ended is not a failure
}

// Never looks at the stop and retries whatever ends its wait: a plain coroutine (default filter) ends only
// because Asio throws at its next co_await once terminal cancellation reached it.
asio::awaitable<void> deaf(int& waits) {
  for (;;) {
    ++waits;
    co_await work_for(30s);
  }
}

TEST_F(Group, ATaskThatIgnoresTheStopEndsAtTheGracesEnd) {
  int waits = 0;
  group(300ms).spawn("deaf", finish_on_stop(deaf(waits)));
  stop_in(50ms);
  const auto took = drain();
  EXPECT_GE(took, 330ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(waits, 2);  // the stop did not reach it; the end did, and it could not wait again
  EXPECT_TRUE(group_->grace_expired());
}

asio::awaitable<void> service(clock_type::time_point& stop_seen, clock_type::time_point& end_seen) {
  co_await until_stop();
  stop_seen = clock_type::now();
  co_await until_end();
  end_seen = clock_type::now();
}

TEST_F(Group, ServicesHearTheStopAndEndAfterTheLastWorker) {
  clock_type::time_point stop_seen{}, end_seen{};
  lane_record s;
  bool told = false;
  auto& g = group(5s);
  g.on_stop = [&] { told = true; };
  g.spawn("endpoint", service(stop_seen, end_seen), task_role::service);
  g.spawn("lane", lane(s, 300ms));
  const auto t0 = clock_type::now();
  stop_in(50ms);
  drain();
  EXPECT_TRUE(told);
  EXPECT_TRUE(s.finished_batch);
  EXPECT_LT(stop_seen - t0, 250ms);  // at the stop, while the worker still works
  EXPECT_GE(end_seen, s.ended);      // after the last worker
  EXPECT_FALSE(g.grace_expired());
}

asio::awaitable<void> poller(bool& slept_through) {
  slept_through = co_await sleep(30s);
}

asio::awaitable<void> failing() {
  co_await work_for(20ms);
  throw std::runtime_error("boom");
}

TEST_F(Group, AFailingTaskStopsTheGroup) {
  bool slept_through = true;
  auto& g = group(5s);
  g.spawn("poll", poller(slept_through));
  g.spawn("broken", failing());
  EXPECT_LT(drain(), 1s);
  EXPECT_TRUE(g.failed());
  EXPECT_TRUE(g.stopping());
  EXPECT_FALSE(slept_through);
}

TEST_F(Group, EndWithoutAStopCancelsEverythingAtOnce) {
  lane_record s;
  group(30s).spawn("lane", lane(s, 30s));
  stop_in(50ms, /*end=*/true);
  EXPECT_LT(drain(), 1s);
  EXPECT_TRUE(s.aborted);
  EXPECT_FALSE(group_->grace_expired());
}

TEST_F(Group, JoinCompletesWhenTheLastTaskEnds) {
  lane_record s;
  group(5s).spawn("lane", lane(s, 100ms));
  bool joined = false;
  asio::co_spawn(io_, group_->join(), [&](std::exception_ptr) { joined = true; });
  io_.run_for(5s);
  EXPECT_TRUE(joined);
  EXPECT_TRUE(s.finished_batch);
  EXPECT_FALSE(s.saw_stop);
}

}  // namespace
}  // namespace sf::runtime::test
