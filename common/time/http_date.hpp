// HTTP dates (RFC 9110 section 5.6.7) -> unix seconds: the one parser for Retry-After and Date.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sf::time {

// Accepts the three forms a recipient must accept, surrounding spaces and tabs ignored:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"   (two-digit year: see below)
//   asctime      "Sun Nov  6 08:49:37 1994"
// Names are case-sensitive as the grammar says; the calendar date is checked. An RFC 850 year that would lie
// more than 50 years after `now_unix_s` is taken as the most recent past year with the same two digits
// (RFC 9110's rule). nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view text, std::int64_t now_unix_s);

// The same, with the system clock's now.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// The IMF-fixdate of unix second `unix_s`, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (what servers send).
std::string format_http_date(std::int64_t unix_s);

}  // namespace sf::time
