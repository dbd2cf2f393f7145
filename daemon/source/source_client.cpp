// Source client settings shared by the poll loop, the key manager and backfill.
#include "daemon/source/source_client.hpp"

#include <stdexcept>

namespace sf::source {

http::url source_url(const config::source_config& s) {
  auto u = http::parse_url(s.url);
  if (!u) throw std::runtime_error("source.url is not an http(s) URL: " + s.url);
  return *u;
}

http::client_options source_client_options(const config::source_config& s, std::uint64_t max_response_bytes) {
  http::client_options o;
  o.ca_file = s.ca_file;
  o.timeout = s.request_timeout;
  o.max_response_bytes = max_response_bytes;
  o.proxy = {s.proxy_url, s.proxy_password.value, "source.proxy_url"};
  return o;
}

}  // namespace sf::source
