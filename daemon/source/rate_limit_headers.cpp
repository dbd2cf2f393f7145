// Interpretation of rate-limit headers; every odd value (past, absurd, unparsable) ends in a bounded wait.
#include "daemon/source/rate_limit_headers.hpp"

#include "common/time/http_date.hpp"

#include <algorithm>
#include <limits>

namespace sf::retry {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::chrono::milliseconds clamp_wait(std::int64_t ms, const rate_limit_bounds& b) {
  return std::clamp(std::chrono::milliseconds(ms), b.min_wait, b.max_wait);
}

// Seconds to milliseconds, saturating: an absurd header value must clamp to max_wait, not wrap to a
// negative (no) wait. parse_unsigned allows 18 digits, which overflow 64 bits once multiplied by 1000.
std::int64_t seconds_to_ms(std::int64_t secs) {
  constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 1000;
  return secs > limit ? std::numeric_limits<std::int64_t>::max() : secs * 1000;
}

}  // namespace

std::optional<std::int64_t> parse_unsigned(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<std::chrono::milliseconds> requested_wait(const rate_limit_headers& h, std::int64_t now_unix_ms,
                                                        bool throttled, const rate_limit_bounds& bounds) {
  auto until_unix_seconds = [&](std::int64_t secs) {
    const std::int64_t at_ms = seconds_to_ms(secs);
    // at_ms saturates at INT64_MAX and now is positive: the difference cannot overflow.
    return clamp_wait(at_ms - now_unix_ms, bounds);
  };
  if (throttled) {
    if (!h.retry_after.empty()) {
      if (auto secs = parse_unsigned(h.retry_after)) return clamp_wait(seconds_to_ms(*secs), bounds);
      if (auto at = time::parse_http_date(h.retry_after, now_unix_ms / 1000)) return until_unix_seconds(*at);
    }
    if (auto at = parse_unsigned(h.retry_at)) return until_unix_seconds(*at);
    if (auto at = parse_unsigned(h.reset)) return until_unix_seconds(*at);
    return std::nullopt;  // a bare 429: the caller's backoff decides
  }
  if (auto remaining = parse_unsigned(h.remaining); remaining && *remaining == 0) {
    if (auto at = parse_unsigned(h.reset)) return until_unix_seconds(*at);
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> pacing_wait(const rate_limit_headers& h, std::int64_t now_unix_ms,
                                                     std::int64_t headroom, const rate_limit_bounds& bounds) {
  auto remaining = parse_unsigned(h.remaining);
  auto reset = parse_unsigned(h.reset);
  if (!remaining || !reset || *remaining == 0 || *remaining > headroom) return std::nullopt;
  if (*reset > std::numeric_limits<std::int64_t>::max() / 1000) return bounds.max_wait;
  const std::int64_t until_reset = *reset * 1000 - now_unix_ms;
  if (until_reset <= 0) return std::nullopt;  // the period is over: the budget is back
  return std::min(std::chrono::milliseconds(until_reset / (*remaining + 1)), bounds.max_wait);
}

}  // namespace sf::retry
