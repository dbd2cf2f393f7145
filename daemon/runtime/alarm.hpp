// A wake-up at a time: notifies a notifier when the time comes, so a coroutine waiting for other news (a
// delivered page) also wakes when a deadline passes. Set again, it moves to the new time.
#pragma once

#include "daemon/runtime/notifier.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sf::runtime {

class alarm {
 public:
  explicit alarm(boost::asio::any_io_executor ex) : timer_(ex) {}

  // Wakes `n` at `when` (at once if it has passed), unless already set for that time. The notifier must
  // outlive this alarm or the wake.
  void wake_at(boost::asio::steady_timer::time_point when, notifier& n) {
    if (armed_ && timer_.expiry() == when) return;
    timer_.expires_at(when);  // cancels a wait for another time (its handler sees operation_aborted)
    armed_ = true;
    timer_.async_wait([this, &n](const boost::system::error_code& ec) {
      if (ec == boost::asio::error::operation_aborted) return;  // moved, or the alarm is gone
      armed_ = false;
      n.notify_all();
    });
  }
  // Drops a wake not yet due: a pending wait would keep the io_context running until its time.
  void cancel() {
    timer_.cancel();
    armed_ = false;
  }

 private:
  boost::asio::steady_timer timer_;
  bool armed_ = false;
};

}  // namespace sf::runtime
