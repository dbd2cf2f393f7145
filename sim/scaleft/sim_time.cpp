// Time for the simulator: a movable clock, durations as typed on the command line, RFC 3339 with nanoseconds.
#include "sim/scaleft/sim_time.hpp"

#include "common/time/http_date.hpp"
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
  nanos secs = t / ns_per_s;
  if (t % ns_per_s < 0) --secs;
  return sf::time::format_http_date(secs);
}

}  // namespace sfsim::scaleft
