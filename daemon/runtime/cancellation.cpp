// Stop and end as read by a task, its sleeps and waits, and the relay that lets finish_on_stop ignore a stop.
#include "daemon/runtime/cancellation.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sf::runtime {

namespace asio = boost::asio;
using asio::cancellation_type;

asio::awaitable<void> hear_stop() {
  co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation(),
                                                     escalate_to_terminal());
  co_await asio::this_coro::throw_if_cancelled(false);
}

asio::awaitable<bool> stop_requested() {
  auto cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() != cancellation_type::none;
}

asio::awaitable<bool> end_requested() {
  auto cs = co_await asio::this_coro::cancellation_state;
  co_return (cs.cancelled() & cancellation_type::terminal) != cancellation_type::none;
}

asio::awaitable<bool> sleep(std::chrono::steady_clock::duration d) {
  if (co_await stop_requested()) co_return false;
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  const bool stopped = co_await stop_requested();
  co_return !ec && !stopped;
}

namespace {
// A timer that never fires: only cancellation ends its wait.
asio::awaitable<void> wait_while(cancellation_type wanted) {
  asio::steady_timer forever(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
  for (;;) {
    auto cs = co_await asio::this_coro::cancellation_state;
    if ((cs.cancelled() & wanted) != cancellation_type::none) co_return;
    co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}
}  // namespace

asio::awaitable<void> until_stop() {
  co_await wait_while(cancellation_type::total | cancellation_type::terminal | cancellation_type::partial);
}

asio::awaitable<void> until_end() {
  co_await wait_while(cancellation_type::terminal);
}

namespace detail {

terminal_relay::terminal_relay(asio::cancellation_state parent) : parent_(parent) {
  auto slot = parent_.slot();
  if (!slot.is_connected()) return;  // a caller nobody can cancel
  slot.assign([this](cancellation_type) {
    // The parent's own record says what it was asked; what reaches this slot is escalated already.
    if ((parent_.cancelled() & cancellation_type::terminal) != cancellation_type::none)
      child_.emit(cancellation_type::terminal);
  });
}

terminal_relay::~terminal_relay() {
  if (auto slot = parent_.slot(); slot.is_connected()) slot.clear();
}

bool terminal_relay::parent_ended() const {
  return (parent_.cancelled() & cancellation_type::terminal) != cancellation_type::none;
}

}  // namespace detail
}  // namespace sf::runtime
