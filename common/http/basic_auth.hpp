// HTTP Basic credentials (RFC 7617): base64 of "user:password" for Authorization, Proxy-Authorization.
#pragma once

#include <string>
#include <string_view>

namespace sf::http {

// Standard base64 with padding (RFC 4648 section 4).
std::string base64_encode(std::string_view in);

// "Basic base64(user:password)": a secret, to be sent and never logged.
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace sf::http
