// The notify loop: one timer on the event loop sends READY=1, STATUS= and WATCHDOG=1 through sd_notify().
#include "daemon/ops/systemd_notify.hpp"

#include "common/log/logger.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

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
  enabled_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  // sd_watchdog_enabled checks WATCHDOG_PID too, so a child process never feeds its parent's watchdog.
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_ = std::chrono::microseconds(usec);
}

void systemd_notifier::send(const std::string& message) {
  if (int r = sd_notify(0, message.c_str()); r < 0)
    log::debug("sd_notify failed", {{"error", std::string(std::strerror(-r))}});
}

void systemd_notifier::start() {
  if (!enabled_) return;
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
  if (!enabled_) return;
  last_status_ = status_line(telemetry_, std::chrono::system_clock::now());
  send("STOPPING=1\nSTATUS=" + last_status_);
}

void systemd_notifier::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace sf::ops
