// RFC 3339 timestamps <-> nanoseconds since the Unix epoch: the one parser and formatter of UTC times.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sf::time {

// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+hh:mm|-hh:mm)`. `T` may also be `t` or a space, `Z` also `z`
// (RFC 3339 section 5.6 note). Calendar dates are checked (leap years included); second 60 is accepted
// as a leap second and counted as the first second of the next minute. Times outside what int64
// nanoseconds can hold (about 1677..2262) are rejected. No allocation: it runs once per audit event.
std::optional<std::int64_t> parse_rfc3339_ns(std::string_view text);

// The UTC form with exactly nine fraction digits, e.g. "2020-07-31T22:52:15.239331336Z".
std::string format_rfc3339_ns(std::int64_t ns_since_epoch);

// The UTC form with 0..9 fraction digits (truncated), e.g. 3: "2020-07-31T22:52:15.239Z", 0: "...:15Z".
std::string format_rfc3339(std::int64_t ns_since_epoch, int fraction_digits);
std::string format_rfc3339(std::chrono::system_clock::time_point t, int fraction_digits);

// Now, in milliseconds: what log records, state files and dead letters carry.
std::string utc_now_rfc3339();

// Unix seconds of a UTC calendar time (proleptic Gregorian), or nullopt when a field is out of range: month
// 1..12, the day within the month (leap years included), hour 0..23, minute 0..59, second 0..60 (a leap
// second counts as the first second of the next minute). Shared by the RFC 3339 and HTTP-date parsers.
std::optional<std::int64_t> civil_to_unix_seconds(int year, int month, int day, int hour, int minute, int second);

// The UTC calendar year that unix second `t` falls in.
std::int64_t civil_year_of(std::int64_t unix_seconds);

}  // namespace sf::time
