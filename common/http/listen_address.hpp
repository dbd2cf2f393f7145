// `host:port` for a listening socket (http.listen): the one parser, for the config check and the endpoint.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace sf::http {

struct listen_address {
  std::string ip;  // an IPv4 or IPv6 literal, without brackets ("localhost" is 127.0.0.1)
  unsigned short port = 0;
};

// `<IPv4>:<port>`, `[<IPv6>]:<port>` or `localhost:<port>`, port 0..65535 (0: any free port). Otherwise
// the problem, naming the text, as the configuration check reports it.
std::variant<listen_address, std::string> parse_listen_address(std::string_view text);

}  // namespace sf::http
