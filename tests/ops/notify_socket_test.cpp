// The notify protocol without libsystemd: NOTIFY_SOCKET addresses, the watchdog period, a datagram received
// on a real socket (a path and an abstract name).
#include "daemon/ops/notify_socket.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

using namespace sf::ops;

TEST(notify_socket, reads_paths_and_abstract_names_and_names_what_it_refuses) {
  std::string why;
  auto a = parse_notify_socket("/run/systemd/notify", why);
  ASSERT_TRUE(a);
  EXPECT_STREQ(a->addr.sun_path, "/run/systemd/notify");
  EXPECT_EQ(a->length, offsetof(sockaddr_un, sun_path) + std::strlen("/run/systemd/notify") + 1);
  auto b = parse_notify_socket("@sf-notify", why);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->addr.sun_path[0], '\0');
  EXPECT_EQ(std::string(b->addr.sun_path + 1, 9), "sf-notify");
  EXPECT_EQ(b->length, offsetof(sockaddr_un, sun_path) + 10);
  for (const char* bad : {"", "@", "relative/path", "vsock:2:1234"}) {
    why.clear();
    EXPECT_FALSE(parse_notify_socket(bad, why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  EXPECT_FALSE(parse_notify_socket("/" + std::string(200, 'x'), why));
  EXPECT_NE(why.find("longer"), std::string::npos);
}

TEST(notify_socket, the_watchdog_period_is_for_this_process_only) {
  EXPECT_EQ(watchdog_period("400000", nullptr, 42), std::chrono::microseconds(400000));
  EXPECT_EQ(watchdog_period("400000", "42", 42), std::chrono::microseconds(400000));
  EXPECT_FALSE(watchdog_period("400000", "41", 42));  // a parent's watchdog: not ours to feed
  EXPECT_FALSE(watchdog_period("0", nullptr, 42));
  EXPECT_FALSE(watchdog_period("12x", nullptr, 42));
  EXPECT_FALSE(watchdog_period(nullptr, nullptr, 42));
  EXPECT_FALSE(watchdog_period("400000", "pid", 42));
}

namespace {

std::string receive(int fd) {
  char buf[512];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

TEST(notify_socket, sends_one_datagram_to_a_path_and_to_an_abstract_name) {
  sf::test::temp_dir dir;
  for (const std::string value : {(dir.path() / "notify").string(), "@sf-notify-test-" + std::to_string(::getpid())}) {
    std::string why;
    const auto a = parse_notify_socket(value, why);
    ASSERT_TRUE(a) << why;
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a->addr), a->length), 0) << std::strerror(errno);
    EXPECT_EQ(send_notify(*a, "READY=1\nSTATUS=up\n"), 0);
    EXPECT_EQ(receive(fd), "READY=1\nSTATUS=up\n") << value;
    ::close(fd);
  }
  // Nobody listening: an errno, not a crash.
  std::string why;
  const auto gone = parse_notify_socket((dir.path() / "nobody").string(), why);
  ASSERT_TRUE(gone);
  EXPECT_NE(send_notify(*gone, "READY=1"), 0);
}
