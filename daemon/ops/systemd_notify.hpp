// systemd's notify protocol: READY=1 after the first authentication, STATUS= lines, WATCHDOG=1, STOPPING=1.
#pragma once

#include "daemon/ops/notify_socket.hpp"
#include "daemon/ops/telemetry.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace sf::ops {

// WATCHDOG=1 goes at half of WatchdogSec (systemd's own advice), so one late tick never kills the daemon.
std::chrono::microseconds watchdog_ping_interval(std::chrono::microseconds watchdog_sec);

// How often the notify loop wakes: quickly until READY=1 is sent, then as the watchdog (if any) needs, at
// most every 2 s so that STATUS= stays current.
std::chrono::milliseconds notify_tick(bool ready_sent, std::optional<std::chrono::microseconds> watchdog_sec);

// Does nothing when NOTIFY_SOCKET is unset (not started by systemd with Type=notify).
class systemd_notifier {
 public:
  systemd_notifier(boost::asio::any_io_executor ex, const telemetry& t);
  bool enabled() const { return address_.has_value(); }
  void start();     // the notify loop, on the event loop: a blocked loop stops the watchdog pings
  void stopping();  // STOPPING=1 with a STATUS=; the loop then only keeps the watchdog fed
  void stop();      // ends the loop

 private:
  boost::asio::awaitable<void> loop();
  void send(const std::string& message);

  const telemetry& telemetry_;
  boost::asio::steady_timer timer_;
  std::optional<notify_address> address_;  // none: not started by systemd, or an unusable NOTIFY_SOCKET
  bool ready_sent_ = false;
  bool stopped_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
  std::string last_status_;
};

}  // namespace sf::ops
