// The notify loop: one timer on the event loop sends READY=1, STATUS= and WATCHDOG=1 to $NOTIFY_SOCKET.
#include "daemon/ops/systemd_notify.hpp"

#include "common/log/logger.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace sf::ops {

std::chrono::microseconds watchdog_ping_interval(std::chrono::microseconds watchdog_sec) {
  return std::max(watchdog_sec / 2, std::chrono::microseconds(1000));
}

std::chrono::milliseconds notify_tick(bool ready_sent,
                                      std::optional<std::chrono::microseconds> watchdog_sec) {
  std::chrono::milliseconds tick = ready_sent ? std::chrono::seconds(2) : std::chrono::milliseconds(100);
  if (watchdog_sec)
    tick = std::min(
        tick, std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_ping_interval(*watchdog_sec)));
  return std::max(tick, std::chrono::milliseconds(1));
}

systemd_notifier::systemd_notifier(boost::asio::any_io_executor ex, const telemetry& t)
    : telemetry_(t), timer_(ex) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (socket == nullptr || *socket == '\0') return;
  std::string why;
  address_ = parse_notify_socket(socket, why);
  if (!address_) {
    log::warn("NOTIFY_SOCKET cannot be used; systemd will not hear READY=1 or the watchdog",
              {{"notify_socket", std::string(socket)}, {"error", why}});
    return;
  }
  watchdog_ = watchdog_period(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"),
                              static_cast<long>(::getpid()));
}

void systemd_notifier::send(const std::string& message) {
  if (int err = send_notify(*address_, message); err != 0)
    log::debug("systemd notify failed", {{"error", std::string(std::strerror(err))}});
}

void systemd_notifier::start() {
  if (!enabled()) return;
  log::debug("systemd notify enabled",
             {{"watchdog_ms",
               watchdog_ ? std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_).count() : 0}});
  send("STATUS=" + status_line(telemetry_, std::chrono::system_clock::now()));
  boost::asio::co_spawn(timer_.get_executor(), loop(), [](std::exception_ptr ep) {
    if (!ep) return;
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      log::error("systemd notify loop failed; the watchdog will restart the service", {{"error", e.what()}});
    }
  });
}

boost::asio::awaitable<void> systemd_notifier::loop() {
  while (!stopped_) {
    std::string message;
    if (watchdog_) message += "WATCHDOG=1\n";
    if (!ready_sent_ && telemetry_.authenticated_at && !telemetry_.stopping) {
      message += "READY=1\n";
      ready_sent_ = true;
    }
    auto status = status_line(telemetry_, std::chrono::system_clock::now());
    if (status != last_status_) {
      message += "STATUS=" + status + "\n";
      last_status_ = std::move(status);
    }
    if (!message.empty()) send(message);
    timer_.expires_after(notify_tick(ready_sent_, watchdog_));
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

void systemd_notifier::stopping() {
  if (!enabled()) return;
  last_status_ = status_line(telemetry_, std::chrono::system_clock::now());
  send("STOPPING=1\nSTATUS=" + last_status_);
}

void systemd_notifier::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace sf::ops
