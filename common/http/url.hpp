// URLs as the forwarder needs them: absolute http(s) URLs, relative references, escaping, loopback checks.
#pragma once

#include "common/text/percent_encoding.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sf::http {

struct url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  std::string port;    // always set: defaulted from the scheme
  std::string target;  // path and query, at least "/"

  bool tls() const { return scheme == "https"; }
  // "scheme://host[:port]" with the port left out when it is the scheme's default.
  std::string origin() const;
  std::string to_string() const { return origin() + target; }
  bool same_origin(const url& other) const {
    return scheme == other.scheme && host == other.host && port == other.port;
  }
};

// What parse_url found wrong, for callers that word their own advice (config adds its hints).
enum class url_problem { none, not_a_url, scheme, credentials, host, port, character };
struct url_refusal {
  url_problem problem = url_problem::none;
  std::string reason;  // in words for a user, e.g. "has an invalid port '0': use 1..65535"
};

// Parses an absolute http:// or https:// URL: scheme and host lower-cased, the port defaulted from the
// scheme, the target at least "/", a fragment dropped. On failure `why` (when given) says what was wrong.
std::optional<url> parse_url(std::string_view text, url_refusal* why = nullptr);

// Resolves a reference (absolute URL, "//host/...", "/path?q" or "path?q") against `base`.
std::optional<url> resolve_reference(const url& base, std::string_view ref);

// Percent-encodes everything but RFC 3986 unreserved characters: safe for a path segment or a query value.
using text::percent_encode;


// Joins a base target ("/" or "/prefix") with a path that starts with '/'.
std::string join_path(std::string_view base_target, std::string_view path);

// The value of query parameter `name` in `target` (percent-decoded), if present.
std::optional<std::string> query_parameter(std::string_view target, std::string_view name);

}  // namespace sf::http
