// Per-user request budget per clock hour, with the X-RateLimit-* figures every response carries.
#include "sim/scaleft/rate_limiter.hpp"

namespace sfsim::scaleft {

rate_decision rate_limiter::take(const std::string& user, nanos now) {
  // Fixed windows on the simulated clock: advancing the clock an hour gives a fresh budget.
  const std::int64_t secs = now / ns_per_s;
  const std::int64_t period = secs / 3600;
  bucket& b = buckets_[user];
  if (b.period != period) {
    b.period = period;
    b.used = 0;
  }
  rate_decision d;
  d.limit = limit_;
  d.reset = (period + 1) * 3600;
  if (b.used >= limit_) {
    d.allowed = false;
    d.remaining = 0;
    return d;
  }
  ++b.used;
  d.remaining = limit_ - b.used;
  return d;
}

}  // namespace sfsim::scaleft
