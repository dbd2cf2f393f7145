// Time for the simulator: a movable clock, durations as typed on the command line, RFC 3339 with nanoseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sfsim::scaleft {

using nanos = std::int64_t;  // nanoseconds since the Unix epoch (or a span of them)
constexpr nanos ns_per_s = 1'000'000'000;

// "250ms", "30s", "5m", "1h", "30d", also fractional ("1.5h"); nullopt for anything else (a bare number too,
// because "--retention 90" is more likely a mistake than 90 seconds).
std::optional<nanos> parse_duration(std::string_view text);

// "2020-07-31T22:52:15.239331336Z": always nine fraction digits, as the real service sends.
std::string format_rfc3339_nanos(nanos t);
// Appends the same text without allocating a temporary.
void append_rfc3339_nanos(std::string& out, nanos t);

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate): the Date header, from the simulated clock so that
// clients can tell the service's time after /_sim/clock/advance.
std::string format_http_date(nanos t);

// Real time plus an offset that only moves forward: tests jump hours ahead without waiting.
class sim_clock {
 public:
  nanos now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset_;
  }
  void advance(nanos by) {
    if (by > 0) offset_ += by;
  }
  nanos offset() const { return offset_; }

 private:
  nanos offset_ = 0;
};

}  // namespace sfsim::scaleft
