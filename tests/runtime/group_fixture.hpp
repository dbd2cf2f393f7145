// What the runtime tests share: one io_context, one task group, a stop at a chosen time, a bounded drain.
#pragma once

#include "daemon/runtime/cancellation.hpp"
#include "daemon/runtime/task_group.hpp"
#include "tests/support/run_bounded.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

namespace sf::runtime::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

class Group : public ::testing::Test {
 protected:
  task_group& group(std::chrono::milliseconds grace = 5s) {
    group_.emplace(io_.get_executor(), grace);
    return *group_;
  }
  // Asks the group to stop (or to end, when `end` is set) `after` from now.
  void stop_in(clock_type::duration after, bool end = false) {
    timer_.expires_after(after);
    timer_.async_wait([this, end](const boost::system::error_code& ec) {
      if (ec) return;
      if (end)
        group_->end();
      else
        group_->stop();
    });
  }
  // Runs until the group is empty; the time it took. A watchdog: a group still running after `bound` fails
  // the test instead of hanging it.
  clock_type::duration drain(std::chrono::milliseconds bound = 10s) {
    const auto t0 = clock_type::now();
    const bool ended = sf::test::run_until(io_, [this] { return group_->running() == 0; },
                                           bound);
    EXPECT_TRUE(ended) << "the group did not end within the watchdog's bound";
    return clock_type::now() - t0;
  }

  asio::io_context io_;
  asio::steady_timer timer_{io_};
  std::optional<task_group> group_;
};

}  // namespace sf::runtime::test
