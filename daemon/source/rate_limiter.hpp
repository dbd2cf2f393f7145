// One pacing state for the whole ScaleFT source: every request waits until the server's limits allow it.
#pragma once

#include "common/http/client.hpp"
#include "daemon/source/rate_limit_headers.hpp"

#include <chrono>
#include <optional>

namespace sf::source {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  // Reads a response's headers; a 429 or an exhausted budget pushes `not_before` forward.
  explicit rate_limiter(std::int64_t headroom = 100) : headroom_(headroom) {}

  void observe(const http::response& res) {
    auto field = [&](std::string_view name) -> std::string_view {
      auto it = res.find(name);
      return it == res.end() ? std::string_view{} : std::string_view(it->value());
    };
    retry::rate_limit_headers h{field("Retry-After"), field("X-RateLimit-Retry-At"), field("X-RateLimit-Reset"),
                                field("X-RateLimit-Remaining"), field("X-RateLimit-Limit")};
    if (auto rem = retry::parse_unsigned(h.remaining)) remaining_ = *rem;
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    auto wait = retry::requested_wait(h, now_ms, res.result_int() == 429);
    if (!wait) wait = retry::pacing_wait(h, now_ms, headroom_);
    if (wait) {
      const auto until = clock::now() + *wait;
      if (until > not_before_) not_before_ = until;
      last_wait_ = *wait;
    }
  }

  // How long the next request must still wait (zero when it may go now).
  clock::duration wait_needed() const {
    const auto now = clock::now();
    return not_before_ > now ? not_before_ - now : clock::duration::zero();
  }
  std::optional<std::int64_t> remaining() const { return remaining_; }

 private:
  clock::time_point not_before_{};
  std::optional<std::int64_t> remaining_;
  std::int64_t headroom_;
  std::chrono::milliseconds last_wait_{0};
};

}  // namespace sf::source
