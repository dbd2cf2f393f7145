// Runs a coroutine as the daemon runs its tasks (in a task group, hearing a stop) and stops the group after
// a while: what SIGTERM does to it, without a process.
#pragma once

#include "daemon/runtime/task_group.hpp"
#include "tests/support/run_bounded.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>

namespace sf::test {

// `body` in a group that is asked to stop `after` from now; returns when the group is empty. Throws
// watchdog_expired after `limit`, std::runtime_error when the task failed.
inline void run_stopped_after(boost::asio::io_context& io, boost::asio::awaitable<void> body,
                              std::chrono::milliseconds after, std::chrono::milliseconds limit = 10s) {
  runtime::task_group group(io.get_executor(), std::chrono::seconds(5));
  group.spawn("under test", std::move(body));
  boost::asio::steady_timer timer(io, after);
  timer.async_wait([&group](const boost::system::error_code& ec) {
    if (!ec) group.stop();
  });
  if (!run_bounded(io, group.join(), limit))
    throw watchdog_expired("the task did not end within " + std::to_string(limit.count()) + " ms of its start");
  timer.cancel();
  if (group.failed()) throw std::runtime_error("the task under test failed");
}

// The same for a coroutine with a result: nullopt when the stop ended it before it returned one.
template <class T>
std::optional<T> run_stopped_after(boost::asio::io_context& io, boost::asio::awaitable<T> body,
                                   std::chrono::milliseconds after, std::chrono::milliseconds limit = 10s) {
  auto out = std::make_shared<std::optional<T>>();
  run_stopped_after(io, detail::keep_result(std::move(body), out), after, limit);
  return std::move(*out);
}

}  // namespace sf::test
