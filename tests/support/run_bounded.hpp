// The coroutine runner with a watchdog: one coroutine on an io_context, to its end or until a deadline.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace sf::test {

using namespace std::chrono_literals;

// Thrown by run() when the coroutine is still running at its deadline: the test fails instead of ctest
// hanging until its own timeout.
class watchdog_expired : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs `body` (an awaitable, or a function returning one) on `io` until it finishes, then stops the loop;
// whatever else runs on `io` (a server, a stalled peer) runs meanwhile and is left where it is. Returns
// false when `limit` passes first; rethrows what `body` threw. The state lives on the heap, so a body that
// finishes in a later run of `io` does not write to a dead frame. `cancel` (optional): the slot of a test's
// cancellation_signal, to cancel `body` as a shutdown would.
template <class Awaitable>
[[nodiscard]] bool run_bounded(boost::asio::io_context& io, Awaitable body,
                               std::chrono::milliseconds limit = 10s,
                               boost::asio::cancellation_slot cancel = {}) {
  struct state {
    bool done = false;
    std::exception_ptr error;
  };
  auto st = std::make_shared<state>();
  io.restart();
  boost::asio::co_spawn(
      io, std::move(body),
      boost::asio::bind_cancellation_slot(cancel, [st, &io](std::exception_ptr e, auto&&...) {
        st->done = true;
        st->error = e;
        io.stop();
      }));
  io.run_for(limit);
  if (st->error) std::rethrow_exception(st->error);
  return st->done;
}

// Like run_bounded, and after `after` terminal cancellation reaches `body` through its slot, as a stop's end
// (or a stop, through a task's filter) reaches an exchange in the daemon.
template <class Awaitable>
[[nodiscard]] bool run_cancelled_after(boost::asio::io_context& io, Awaitable body, std::chrono::milliseconds after,
                                       std::chrono::milliseconds limit = 10s) {
  // On the heap: the timer's handler may run in a later run of `io`, after this frame is gone.
  auto signal = std::make_shared<boost::asio::cancellation_signal>();
  boost::asio::steady_timer timer(io, after);
  timer.async_wait([signal](const boost::system::error_code& ec) {
    if (!ec) signal->emit(boost::asio::cancellation_type::terminal);
  });
  const bool done = run_bounded(io, std::move(body), limit, signal->slot());
  timer.cancel();
  return done;
}

// Runs `io` until `done()` holds or `limit` passes (a watchdog for loops that wait on state, not on one
// coroutine); returns whether it held. `io` keeps whatever work is still pending.
template <class Predicate>
[[nodiscard]] bool run_until(boost::asio::io_context& io, Predicate done, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < until) {
    io.run_one_for(std::chrono::milliseconds(5));
    if (io.stopped()) io.restart();
  }
  return done();
}

namespace detail {
// Keeps what `body` returned; a named function, not a capturing coroutine lambda (GCC 12, CP.51).
template <class T>
boost::asio::awaitable<void> keep_result(boost::asio::awaitable<T> body, std::shared_ptr<std::optional<T>> out) {
  T value = co_await std::move(body);
  out->emplace(std::move(value));
}
}  // namespace detail

// run_bounded() for a result: returns what `body` returned, throws watchdog_expired after `limit`.
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> body, std::chrono::milliseconds limit = 10s) {
  auto out = std::make_shared<std::optional<T>>();
  if (!run_bounded(io, detail::keep_result(std::move(body), out), limit))
    throw watchdog_expired("the coroutine did not finish within " + std::to_string(limit.count()) + " ms");
  return std::move(**out);
}

inline void run(boost::asio::io_context& io, boost::asio::awaitable<void> body,
                std::chrono::milliseconds limit = 10s) {
  if (!run_bounded(io, std::move(body), limit))
    throw watchdog_expired("the coroutine did not finish within " + std::to_string(limit.count()) + " ms");
}

}  // namespace sf::test
