// systemd's notify protocol: the address, the watchdog period, one datagram per message.
#include "daemon/ops/notify_socket.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>

namespace sf::ops {

std::optional<notify_address> parse_notify_socket(std::string_view value, std::string& why) {
  notify_address a;
  a.addr.sun_family = AF_UNIX;
  if (value.size() < 2 || (value[0] != '/' && value[0] != '@')) {
    why = value.starts_with("vsock:") ? "vsock notify sockets are not supported"
                                      : "NOTIFY_SOCKET is neither an absolute path nor an abstract '@' name";
    return std::nullopt;
  }
  if (value.size() >= sizeof a.addr.sun_path) {
    why = "NOTIFY_SOCKET is longer than a unix socket path can be";
    return std::nullopt;
  }
  std::memcpy(a.addr.sun_path, value.data(), value.size());
  if (value[0] == '@') a.addr.sun_path[0] = '\0';  // abstract: no terminator, the length says where it ends
  a.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + value.size() + (value[0] == '/' ? 1 : 0));
  return a;
}

namespace {

template <class T>
std::optional<T> number(const char* s) {
  if (!s || !*s) return std::nullopt;
  T v{};
  const char* end = s + std::strlen(s);
  auto [p, ec] = std::from_chars(s, end, v);
  if (ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::chrono::microseconds> watchdog_period(const char* watchdog_usec, const char* watchdog_pid,
                                                         long own_pid) {
  const auto usec = number<unsigned long long>(watchdog_usec);
  if (!usec || *usec == 0) return std::nullopt;
  if (watchdog_pid && *watchdog_pid) {
    const auto pid = number<long>(watchdog_pid);
    if (!pid || *pid != own_pid) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*usec));
}

int send_notify(const notify_address& address, std::string_view message) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int err = 0;
  const ssize_t n = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&address.addr), address.length);
  if (n < 0)
    err = errno;
  else if (static_cast<std::size_t>(n) != message.size())
    err = EMSGSIZE;
  ::close(fd);
  return err;
}

}  // namespace sf::ops
