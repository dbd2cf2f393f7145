// Which proxy, if any, a request to a URL goes through: proxy URLs, NO_PROXY, config over environment.
#pragma once

#include "common/http/url.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sf::http {

// An HTTP proxy as a proxy URL names it. `password` is a secret: display() never shows it.
struct proxy_endpoint {
  std::string host;  // without brackets for IPv6
  std::string port;
  std::string user;      // empty: no Proxy-Authorization
  std::string password;  // a secret
  std::string display() const;  // "http://[user@]host:port", for logs and errors
};

struct proxy_parse {
  std::optional<proxy_endpoint> endpoint;
  std::string problem;  // why the text is not a usable proxy URL, when endpoint is empty
};

// `http://[user[:password]@]host[:port][/]`, or `host[:port]` (http:// is implied, as curl does). The port
// defaults to 1080, as curl's does. https:// (TLS to the proxy) and SOCKS proxies are refused with a reason.
proxy_parse parse_proxy_url(std::string_view text);

// The proxy variables of the environment, read as curl reads them: the lowercase name wins when both are set.
struct proxy_environment {
  // Each value with the variable it came from ("https_proxy" or "HTTPS_PROXY").
  std::string https_proxy, https_name;
  std::string http_proxy, http_name;
  std::string no_proxy, no_proxy_name;
  static proxy_environment of_process();  // getenv: the one impure function here
};

// A component's proxy configuration (source.* or a sink's keys).
struct proxy_setting {
  std::string url;       // "": the environment decides; "none": never a proxy; else the proxy URL
  std::string password;  // proxy_password(_file): the password of the proxy URL's user (a secret)
  std::string key;       // the key for messages: "source.proxy_url"
};

struct proxy_route {
  std::optional<proxy_endpoint> proxy;  // empty: connect directly
  std::string reason;                   // what decided: "source.proxy_url", "HTTPS_PROXY", "NO_PROXY", ...
  std::string error;                    // non-empty: the chosen proxy URL is unusable (a start-up error)
  std::string describe() const;         // "http://user@proxy:3128 (HTTPS_PROXY)" or "direct (NO_PROXY)"
};

// The route of requests to `target`. An explicit proxy_url (or `none`) wins over the environment, NO_PROXY
// included; otherwise https targets use https_proxy, http targets http_proxy, unless no_proxy lists the host.
// The configured password replaces any password the chosen URL holds, when that URL names a user.
proxy_route choose_proxy(const url& target, const proxy_setting& setting, const proxy_environment& env);

// Whether a NO_PROXY list (comma or space separated) names `host`:`port`: `*` names every host; a name
// matches itself and its subdomains, with or without a leading dot; an IP address or CIDR block
// (10.0.0.0/8, [::1], fd00::/8) matches addresses only; an entry with `:port` matches that port only.
// Loopback is not special: list it (localhost, 127.0.0.1) to reach it directly.
bool no_proxy_matches(std::string_view list, std::string_view host, std::string_view port);

}  // namespace sf::http
