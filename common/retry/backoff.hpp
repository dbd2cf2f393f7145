// Capped, jittered exponential backoff: a pure function plus a small stateful helper around it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <random>

namespace sf::retry {

using duration = std::chrono::milliseconds;

// Delay before retry number `attempt` (0-based): initial * 2^attempt capped at `max`, with "equal jitter":
// half of it fixed, half drawn from `unit_random` in [0,1). Many forwarders restarting at once spread out,
// and none retries sooner than half the nominal delay.
inline duration backoff_delay(int attempt, duration initial, duration max, double unit_random) {
  const double nominal = std::min<double>(static_cast<double>(max.count()),
                                          static_cast<double>(initial.count()) * std::pow(2.0, std::min(attempt, 40)));
  const double jittered = nominal / 2 + nominal / 2 * std::clamp(unit_random, 0.0, 1.0);
  return duration(static_cast<duration::rep>(jittered));
}

class backoff {
 public:
  // Seeded at the first retry, not here: one is made per delivery and per fetch, and almost none retries
  // (opening the random device for each was 2 % of the forwarder's CPU on the file path).
  backoff(duration initial, duration max) : initial_(initial), max_(max) {}
  duration next() {
    if (!rng_) rng_.emplace(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    return backoff_delay(attempt_++, initial_, max_, unit(*rng_));
  }
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  duration initial_;
  duration max_;
  int attempt_ = 0;
  std::optional<std::mt19937_64> rng_;
};

}  // namespace sf::retry
