// Time for the simulator: a movable clock, durations as typed on the command line, RFC 3339 with nanoseconds.
#include "sim/scaleft/sim_time.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace sfsim::scaleft {

std::optional<nanos> parse_duration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0 || i == text.size()) return std::nullopt;
  const std::string number(text.substr(0, i));
  const std::string_view unit = text.substr(i);
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value) || value < 0) return std::nullopt;
  double scale = 0;
  if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else if (unit == "d")
    scale = 86400e9;
  else
    return std::nullopt;
  const double ns = value * scale;
  if (ns > 9.2e18) return std::nullopt;
  return static_cast<nanos>(ns);
}

void append_rfc3339_nanos(std::string& out, nanos t) {
  // Howard Hinnant's days-to-civil: exact for the proleptic Gregorian calendar, no locale or tz lookups.
  nanos secs = t / ns_per_s;
  nanos frac = t % ns_per_s;
  if (frac < 0) {
    frac += ns_per_s;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[48];
  const int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09lldZ",
                              static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                              static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                              static_cast<long long>(sod % 60), static_cast<long long>(frac));
  out.append(buf, static_cast<std::size_t>(n));
}

std::string format_rfc3339_nanos(nanos t) {
  std::string out;
  append_rfc3339_nanos(out, t);
  return out;
}

std::string format_http_date(nanos t) {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t secs = static_cast<std::time_t>(t / ns_per_s);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace sfsim::scaleft
