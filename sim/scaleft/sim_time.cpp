// Time for the simulator: a movable clock, durations as typed on the command line, RFC 3339 with nanoseconds.
#include "sim/scaleft/sim_time.hpp"

#include "common/time/rfc3339.hpp"

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

void append_rfc3339_nanos(std::string& out, nanos t) { out += sf::time::format_rfc3339_ns(t); }

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
