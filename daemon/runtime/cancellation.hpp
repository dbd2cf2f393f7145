// How a task hears a stop: Asio cancellation read as "stop" (total) and "end now" (terminal), and a shield.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <boost/system/system_error.hpp>

#include <chrono>

namespace sf::runtime {

// A stop (total cancellation) reaches what a task awaits as terminal cancellation: the HTTP exchange, the
// sleep or the wait in progress ends at once (Beast's composed operations honour terminal only, and a page
// being fetched at a stop would be dropped anyway). Work that must be finished is run with finish_on_stop.
struct escalate_to_terminal {
  boost::asio::cancellation_type_t operator()(boost::asio::cancellation_type_t t) const noexcept {
    return t == boost::asio::cancellation_type::none ? t : boost::asio::cancellation_type::terminal;
  }
};

// Sets the calling coroutine up as a task of a run: it records total and terminal cancellation, never
// throws for them at a co_await (it checks stop_requested() and returns in order), and passes either on to
// what it awaits as terminal. task_group does this for every task it spawns.
boost::asio::awaitable<void> hear_stop();

// Whether a stop (total) or an end (terminal) reached the calling task.
boost::asio::awaitable<bool> stop_requested();
boost::asio::awaitable<bool> end_requested();

// Sleeps for `d`; false when a stop ended the sleep or had come before it.
boost::asio::awaitable<bool> sleep(std::chrono::steady_clock::duration d);

// Waits until a stop (or an end) reaches the calling task; until_end waits for terminal cancellation.
boost::asio::awaitable<void> until_stop();
boost::asio::awaitable<void> until_end();

namespace detail {
// Forwards the caller's cancellation to `child` only when it is terminal by its own reading: a stop, which
// the caller's filter passes on as terminal too, is not forwarded.
class terminal_relay {
 public:
  explicit terminal_relay(boost::asio::cancellation_state parent);
  ~terminal_relay();
  terminal_relay(const terminal_relay&) = delete;
  terminal_relay& operator=(const terminal_relay&) = delete;
  boost::asio::cancellation_slot slot() { return child_.slot(); }
  bool parent_ended() const;

 private:
  boost::asio::cancellation_state parent_;
  boost::asio::cancellation_signal child_;
};
}  // namespace detail

// Runs `work` (a delivery, a checkpoint write) to its end although the task is asked to stop: only terminal
// cancellation (the grace expired, or a second signal) reaches it. Its result or exception is the caller's.
template <class T>
boost::asio::awaitable<T> finish_on_stop(boost::asio::awaitable<T> work) {
  auto ex = co_await boost::asio::this_coro::executor;
  detail::terminal_relay relay(co_await boost::asio::this_coro::cancellation_state);
  // Ended before it began (like any Asio operation started after terminal cancellation): it never starts.
  if (relay.parent_ended())
    throw boost::system::system_error(boost::asio::error::operation_aborted, "ended before it started");
  co_return co_await boost::asio::co_spawn(
      ex, std::move(work), boost::asio::bind_cancellation_slot(relay.slot(), boost::asio::use_awaitable));
}

}  // namespace sf::runtime
