// Orderly stop for coroutines: sleeps that end early on stop, and callbacks that abort I/O in progress.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <list>

namespace sf::runtime {

class stopper {
 public:
  explicit stopper(boost::asio::any_io_executor ex) : executor_(ex) {}

  bool stopping() const { return stopping_; }

  // Called once, on the first stop request (e.g. to cancel a client's socket).
  void on_stop(std::function<void()> f) { callbacks_.push_back(std::move(f)); }

  void request_stop() {
    if (stopping_) return;
    stopping_ = true;
    for (auto* t : sleepers_) t->cancel();
    for (auto& f : callbacks_) f();
  }

  // Sleeps for `d`; returns false if a stop was requested before or during the sleep.
  boost::asio::awaitable<bool> sleep(std::chrono::steady_clock::duration d) {
    if (stopping_) co_return false;
    boost::asio::steady_timer timer(executor_, d);
    auto it = sleepers_.insert(sleepers_.end(), &timer);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    sleepers_.erase(it);
    co_return !stopping_;
  }

 private:
  boost::asio::any_io_executor executor_;
  bool stopping_ = false;
  std::list<boost::asio::steady_timer*> sleepers_;
  std::list<std::function<void()>> callbacks_;
};

}  // namespace sf::runtime
