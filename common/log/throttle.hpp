// One record per interval for a condition that recurs in normal work (e.g. back-pressure on every page of a
// catch-up): the first occurrence is reported at once, later ones at most once per interval, with how many
// were left unreported in between. A pure decision; the caller logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace sf::log {

class throttle {
 public:
  using clock = std::chrono::steady_clock;
  explicit throttle(clock::duration interval) : interval_(interval) {}

  // Whether this occurrence is to be reported: then `suppressed()` is how many were not since the last.
  bool due(clock::time_point now) {
    if (last_ && now - *last_ < interval_) {
      ++pending_;
      return false;
    }
    suppressed_ = pending_;
    pending_ = 0;
    last_ = now;
    return true;
  }
  std::uint64_t suppressed() const { return suppressed_; }

 private:
  clock::duration interval_;
  std::optional<clock::time_point> last_;
  std::uint64_t pending_ = 0;     // occurrences since the last report
  std::uint64_t suppressed_ = 0;  // those before the report just made
};

}  // namespace sf::log
