// The option values both simulators' fault rules share: `p=` (a probability) and `n=` (how many times).
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace sfsim {

// A number in [0, 1], written in full ("0.25", "1"); nullopt otherwise.
inline std::optional<double> parse_probability(std::string_view v) {
  const std::string text(v);
  char* end = nullptr;
  const double p = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(p >= 0 && p <= 1)) return std::nullopt;
  return p;
}

// A positive decimal integer; nullopt otherwise.
inline std::optional<std::uint64_t> parse_positive_count(std::string_view v) {
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size() || n == 0) return std::nullopt;
  return n;
}

}  // namespace sfsim
