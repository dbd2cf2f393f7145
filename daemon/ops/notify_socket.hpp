// systemd's notify protocol spoken directly: one datagram per message to $NOTIFY_SOCKET, and the watchdog
// period from $WATCHDOG_USEC/$WATCHDOG_PID. The protocol is stable and documented for daemons that do not
// link libsystemd (sd_notify(3), "Standalone implementations"); linking it for these two calls mapped
// libsystemd and five libraries it pulls in (gcrypt, gpg-error, lzma, lz4, cap): ~0.7 MiB of RSS.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sf::ops {

// The address a NOTIFY_SOCKET value names: an absolute path, or an abstract name written with a leading
// '@'. Nullopt, with `why`, for anything else (empty, relative, too long, vsock: not supported here).
struct notify_address {
  sockaddr_un addr{};
  socklen_t length = 0;
};
std::optional<notify_address> parse_notify_socket(std::string_view value, std::string& why);

// The watchdog period systemd asks for: WATCHDOG_USEC when WATCHDOG_PID is unset or names this process
// (a child never feeds its parent's watchdog). Nullopt when there is none or the values are not numbers.
std::optional<std::chrono::microseconds> watchdog_period(const char* watchdog_usec, const char* watchdog_pid,
                                                         long own_pid);

// Sends `message` as one datagram to `address`. Returns 0 or an errno value.
int send_notify(const notify_address& address, std::string_view message);

}  // namespace sf::ops
