// Per-user request budget per clock hour, with the X-RateLimit-* figures every response carries.
#pragma once

#include "sim/scaleft/sim_time.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>

namespace sfsim::scaleft {

struct rate_decision {
  bool allowed = true;
  std::uint64_t limit = 0;
  std::uint64_t remaining = 0;
  std::int64_t reset = 0;  // unix seconds when the next period starts (also the Retry-At when refused)
};

class rate_limiter {
 public:
  explicit rate_limiter(std::uint64_t per_hour) : limit_(per_hour) {}
  // Counts one request of `user` at `now` (refused requests do not use budget).
  rate_decision take(const std::string& user, nanos now);
  std::uint64_t limit() const { return limit_; }

 private:
  struct bucket {
    std::int64_t period = -1;  // hour number since the epoch
    std::uint64_t used = 0;
  };
  std::uint64_t limit_;
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace sfsim::scaleft
