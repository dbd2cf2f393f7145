// The one host:port parser for listening sockets: what it accepts, and the problem it names otherwise.
#include "common/http/listen_address.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sf::http {
namespace {

listen_address ok(std::string_view text) {
  auto parsed = parse_listen_address(text);
  EXPECT_TRUE(std::holds_alternative<listen_address>(parsed)) << text;
  return std::holds_alternative<listen_address>(parsed) ? std::get<listen_address>(parsed) : listen_address{};
}

std::string problem(std::string_view text) {
  auto parsed = parse_listen_address(text);
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : std::string();
}

TEST(ListenAddress, AcceptsLiteralAddressesAndLocalhost) {
  EXPECT_EQ(ok("127.0.0.1:8464").ip, "127.0.0.1");
  EXPECT_EQ(ok("127.0.0.1:8464").port, 8464);
  EXPECT_EQ(ok("0.0.0.0:0").port, 0);
  EXPECT_EQ(ok("[::1]:9000").ip, "::1");
  EXPECT_EQ(ok("localhost:65535").ip, "127.0.0.1");
}

TEST(ListenAddress, NamesWhatIsWrong) {
  EXPECT_THAT(problem("8464"), ::testing::HasSubstr("is not host:port"));
  EXPECT_THAT(problem("127.0.0.1:70000"), ::testing::HasSubstr("has no valid port"));
  EXPECT_THAT(problem("127.0.0.1:"), ::testing::HasSubstr("has no valid port"));
  EXPECT_THAT(problem("example.com:80"), ::testing::HasSubstr("needs an IP address or localhost"));
  EXPECT_THAT(problem("::1:80"), ::testing::HasSubstr("needs an IP address or localhost"));  // brackets needed
}

}  // namespace
}  // namespace sf::http
