// `host:port` for a listening socket, checked with inet_pton (no name lookup: a listen address is literal).
#include "common/http/listen_address.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <charconv>

namespace sf::http {

std::variant<listen_address, std::string> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return fmt::format("'{}' is not host:port (e.g. 127.0.0.1:8464)", text);
  std::string host(text.substr(0, colon));
  const std::string_view port = text.substr(colon + 1);
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n > 65535)
    return fmt::format("'{}' has no valid port (0-65535)", text);
  listen_address out{.ip = {}, .port = static_cast<unsigned short>(n)};
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    out.ip = host.substr(1, host.size() - 2);
    in6_addr a6{};
    if (inet_pton(AF_INET6, out.ip.c_str(), &a6) == 1) return out;
  } else if (host == "localhost") {
    out.ip = "127.0.0.1";
    return out;
  } else {
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1) {
      out.ip = host;
      return out;
    }
  }
  return fmt::format("'{}' needs an IP address or localhost as host (IPv6 in brackets)", text);
}

}  // namespace sf::http
