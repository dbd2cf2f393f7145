// Reads the server's pacing headers (Retry-After, X-RateLimit-*) into one wait, clamped to sane bounds.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sf::retry {

struct rate_limit_headers {
  std::string_view retry_after;   // seconds or an HTTP-date
  std::string_view retry_at;      // X-RateLimit-Retry-At: unix seconds
  std::string_view reset;         // X-RateLimit-Reset: unix seconds of the next period
  std::string_view remaining;     // X-RateLimit-Remaining
  std::string_view limit;         // X-RateLimit-Limit
};

struct rate_limit_bounds {
  std::chrono::milliseconds min_wait{std::chrono::seconds(1)};  // a time in the past still waits this long
  std::chrono::milliseconds max_wait{std::chrono::hours(1)};    // an absurd time is clamped to this
};

// How long the server asked us to wait, if it did. For a 429 (`throttled`), Retry-After wins, then
// X-RateLimit-Retry-At, then X-RateLimit-Reset. For a success whose X-RateLimit-Remaining is 0, the reset time
// says when the next request may go. Values in the past give min_wait; values past max_wait are clamped.
std::optional<std::chrono::milliseconds> requested_wait(const rate_limit_headers& h, std::int64_t now_unix_ms,
                                                        bool throttled, const rate_limit_bounds& bounds = {});

// Pacing ahead of the limit: when X-RateLimit-Remaining has fallen to `headroom` or below (but is not yet 0),
// the requests left are spread evenly over the time until X-RateLimit-Reset, so a long backfill or catch-up
// never runs into 429s and leaves the other users of the same service user some budget. nullopt: no pacing.
std::optional<std::chrono::milliseconds> pacing_wait(const rate_limit_headers& h, std::int64_t now_unix_ms,
                                                     std::int64_t headroom, const rate_limit_bounds& bounds = {});

// Parses a decimal unsigned integer (no sign, no spaces inside), nullopt otherwise.
std::optional<std::int64_t> parse_unsigned(std::string_view s);

}  // namespace sf::retry
