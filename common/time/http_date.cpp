// The three RFC 9110 HTTP-date forms, parsed by position (no strptime: it is locale-bound and lenient), and
// the IMF-fixdate written.
#include "common/time/http_date.hpp"

#include "common/time/rfc3339.hpp"

#include <array>
#include <chrono>
#include <string>

namespace sf::time {
namespace {

constexpr std::array<std::string_view, 7> short_days = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> long_days = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Exactly `s.size()` decimal digits; -1 otherwise.
int number(std::string_view s) {
  if (s.empty()) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view s) {
  for (auto n : names)
    if (n == s) return true;
  return false;
}

int month_of(std::string_view s) {
  for (std::size_t i = 0; i < months.size(); ++i)
    if (months[i] == s) return static_cast<int>(i) + 1;
  return -1;
}

// "08:49:37" at the start of `s`.
bool time_of_day(std::string_view s, int& h, int& m, int& sec) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
  h = number(s.substr(0, 2));
  m = number(s.substr(3, 2));
  sec = number(s.substr(6, 2));
  return h >= 0 && m >= 0 && sec >= 0;
}

std::optional<std::int64_t> imf_fixdate(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s.substr(25) != " GMT" || !one_of(short_days, s.substr(0, 3)))
    return std::nullopt;
  int h, m, sec;
  if (!time_of_day(s.substr(17, 8), h, m, sec)) return std::nullopt;
  return civil_to_unix_seconds(number(s.substr(12, 4)), month_of(s.substr(8, 3)), number(s.substr(5, 2)), h, m,
                               sec);
}

std::optional<std::int64_t> rfc850_date(std::string_view s, std::int64_t now_unix_s) {
  // "Sunday, 06-Nov-94 08:49:37 GMT"
  const auto comma = s.find(", ");
  if (comma == std::string_view::npos || !one_of(long_days, s.substr(0, comma))) return std::nullopt;
  s.remove_prefix(comma + 2);
  if (s.size() != 22 || s[2] != '-' || s[6] != '-' || s[9] != ' ' || s.substr(18) != " GMT") return std::nullopt;
  int h, m, sec;
  if (!time_of_day(s.substr(10, 8), h, m, sec)) return std::nullopt;
  const int yy = number(s.substr(7, 2));
  if (yy < 0) return std::nullopt;
  const std::int64_t this_year = civil_year_of(now_unix_s);
  std::int64_t year = this_year - this_year % 100 + yy;
  if (year > this_year + 50) year -= 100;
  return civil_to_unix_seconds(static_cast<int>(year), month_of(s.substr(3, 3)), number(s.substr(0, 2)), h, m, sec);
}

std::optional<std::int64_t> asctime_date(std::string_view s) {
  // "Sun Nov  6 08:49:37 1994": the day is two characters, space-padded.
  if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' ||
      !one_of(short_days, s.substr(0, 3)))
    return std::nullopt;
  const std::string_view day_text = s[8] == ' ' ? s.substr(9, 1) : s.substr(8, 2);
  int h, m, sec;
  if (!time_of_day(s.substr(11, 8), h, m, sec)) return std::nullopt;
  return civil_to_unix_seconds(number(s.substr(20, 4)), month_of(s.substr(4, 3)), number(day_text), h, m, sec);
}

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view text, std::int64_t now_unix_s) {
  const std::string_view s = trim(text);
  if (s.size() < 4) return std::nullopt;
  if (s[3] == ',') return imf_fixdate(s);
  if (s[3] == ' ') return asctime_date(s);
  return rfc850_date(s, now_unix_s);
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return parse_http_date(text, now);
}

std::string format_http_date(std::int64_t unix_s) {
  // The RFC 3339 text gives the calendar fields; 1970-01-01 was a Thursday.
  const std::string c = format_rfc3339(unix_s * 1'000'000'000, 0);  // YYYY-MM-DDTHH:MM:SSZ
  std::int64_t days = unix_s / 86400;
  if (unix_s % 86400 < 0) --days;
  const auto weekday = static_cast<std::size_t>(((days + 3) % 7 + 7) % 7);  // 0 = Monday
  const auto month = static_cast<std::size_t>(std::stoi(c.substr(5, 2)) - 1);
  std::string out;
  out.reserve(29);
  out.append(short_days[weekday]).append(", ").append(c, 8, 2).append(" ").append(months[month]);
  out.append(" ").append(c, 0, 4).append(" ").append(c, 11, 8).append(" GMT");
  return out;
}

}  // namespace sf::time
