// A wake-up signal for coroutines on one thread: wait() suspends until the next notify_all().
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sf::runtime {

// A timer that never expires: cancelling it completes every pending wait, and later waits block again.
// Waiters re-check their condition after waking, so a notify that races with a wait is never lost as long as
// the condition is checked before waiting (everything runs on one thread).
class notifier {
 public:
  explicit notifier(boost::asio::any_io_executor ex)
      : timer_(ex, boost::asio::steady_timer::time_point::max()) {}
  boost::asio::awaitable<void> wait() {
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  void notify_all() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace sf::runtime
