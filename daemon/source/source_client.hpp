// How every part of the daemon that talks to ScaleFT (poll loop, key manager, backfill) builds its HTTP client.
#pragma once

#include "config/config.hpp"
#include "common/http/client.hpp"

#include <cstdint>

namespace sf::source {

// source.url as a URL; throws std::runtime_error naming the value (configuration is validated before this,
// so it only fires for a value that slipped through).
http::url source_url(const config::source_config& s);

// The client settings from source.*: CA file, request timeout, proxy, and the largest response accepted
// (a 1000-event page is about 1-2 MB; key lists are small).
http::client_options source_client_options(const config::source_config& s,
                                           std::uint64_t max_response_bytes = 64ull * 1024 * 1024);

}  // namespace sf::source
