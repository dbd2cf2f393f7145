// RFC 3339 parsing and formatting with civil-date arithmetic (no libc time zone calls, no locale).
#include "common/time/rfc3339.hpp"

#include <algorithm>

#include <limits>

namespace sf::time {
namespace {

// Reads exactly `n` decimal digits at `p`; -1 if any is not a digit.
inline int digits(const char* p, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i]) - '0';
    if (d > 9) return -1;
    v = v * 10 + static_cast<int>(d);
  }
  return v;
}

constexpr bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(int y, int m) {
  constexpr int table[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : table[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t y;
  unsigned m, d;
};

constexpr civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ns(std::string_view s) {
  // Shortest form: "YYYY-MM-DDTHH:MM:SSZ" (20 characters).
  if (s.size() < 20) return std::nullopt;
  const char* p = s.data();
  const int year = digits(p, 4), month = digits(p + 5, 2), day = digits(p + 8, 2);
  const int hour = digits(p + 11, 2), minute = digits(p + 14, 2), second = digits(p + 17, 2);
  if (p[4] != '-' || p[7] != '-' || p[13] != ':' || p[16] != ':') return std::nullopt;
  if (p[10] != 'T' && p[10] != 't' && p[10] != ' ') return std::nullopt;
  const auto civil_secs = civil_to_unix_seconds(year, month, day, hour, minute, second);
  if (!civil_secs) return std::nullopt;

  std::size_t i = 19;
  std::int64_t frac_ns = 0;
  if (s[i] == '.') {
    ++i;
    int n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (++n > 9) return std::nullopt;
      frac_ns = frac_ns * 10 + (s[i] - '0');
      ++i;
    }
    if (n == 0) return std::nullopt;
    for (int k = n; k < 9; ++k) frac_ns *= 10;
  }
  if (i >= s.size()) return std::nullopt;

  int offset_s = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    if (i + 1 != s.size()) return std::nullopt;
  } else if (s[i] == '+' || s[i] == '-') {
    if (i + 6 != s.size() || s[i + 3] != ':') return std::nullopt;
    const int oh = digits(p + i + 1, 2), om = digits(p + i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }

  const std::int64_t secs = *civil_secs - offset_s;
  // int64 nanoseconds span 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z.
  constexpr std::int64_t max_s = std::numeric_limits<std::int64_t>::max() / 1'000'000'000;
  constexpr std::int64_t min_s = std::numeric_limits<std::int64_t>::min() / 1'000'000'000;
  if (secs > max_s || secs < min_s) return std::nullopt;
  const std::int64_t base = secs * 1'000'000'000;
  if (base > std::numeric_limits<std::int64_t>::max() - frac_ns) return std::nullopt;
  return base + frac_ns;
}

std::optional<std::int64_t> civil_to_unix_seconds(int year, int month, int day, int hour, int minute, int second) {
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60)
    return std::nullopt;
  if (day > days_in_month(year, month)) return std::nullopt;
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
         minute * 60 + second;
}

std::int64_t civil_year_of(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds / 86400;
  if (unix_seconds % 86400 < 0) --days;
  return civil_from_days(days).y;
}

std::string format_rfc3339(std::int64_t ns, int fraction_digits) {
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  const civil c = civil_from_days(days);
  char buf[32];
  auto put = [&buf](int at, std::int64_t v, int width) {
    for (int k = width - 1; k >= 0; --k) {
      buf[at + k] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, c.y, 4);
  buf[4] = '-';
  put(5, c.m, 2);
  buf[7] = '-';
  put(8, c.d, 2);
  buf[10] = 'T';
  put(11, sod / 3600, 2);
  buf[13] = ':';
  put(14, sod / 60 % 60, 2);
  buf[16] = ':';
  put(17, sod % 60, 2);
  int end = 19;
  const int digits = std::clamp(fraction_digits, 0, 9);
  if (digits > 0) {
    buf[end++] = '.';
    std::int64_t f = frac;
    for (int k = digits; k < 9; ++k) f /= 10;  // truncated, as a clock reading is
    put(end, f, digits);
    end += digits;
  }
  buf[end++] = 'Z';
  return std::string(buf, static_cast<std::size_t>(end));
}

std::string format_rfc3339_ns(std::int64_t ns) { return format_rfc3339(ns, 9); }

std::string format_rfc3339(std::chrono::system_clock::time_point t, int fraction_digits) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return format_rfc3339(static_cast<std::int64_t>(ns), fraction_digits);
}

std::string utc_now_rfc3339() { return format_rfc3339(std::chrono::system_clock::now(), 3); }

}  // namespace sf::time
