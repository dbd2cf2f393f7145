// Parsing and printing of configuration durations and sizes.
#include "common/units/units.hpp"

#include <array>
#include <limits>

namespace sf::units {
namespace {

// Reads the decimal digits at the front of `text`; nullopt if there are none or the value overflows.
std::optional<std::uint64_t> take_digits(std::string_view& text) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (v > (max - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  text.remove_prefix(i);
  return v;
}

struct unit {
  std::string_view name;
  std::uint64_t factor;
};

// Longest names first so that "ms" is not read as "m" followed by garbage.
constexpr std::array<unit, 5> duration_units{
    {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
constexpr std::array<unit, 4> size_units{
    {{"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}}};

}  // namespace

std::optional<duration> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<duration::rep>::max());
  std::uint64_t total = 0;
  while (!text.empty()) {
    auto n = take_digits(text);
    if (!n) return std::nullopt;
    const unit* found = nullptr;
    for (const auto& u : duration_units) {
      if (text.starts_with(u.name)) {
        found = &u;
        break;
      }
    }
    if (!found) return std::nullopt;
    text.remove_prefix(found->name.size());
    if (*n > max / found->factor) return std::nullopt;
    const auto part = *n * found->factor;
    if (total > max - part) return std::nullopt;
    total += part;
  }
  return duration(static_cast<duration::rep>(total));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto n = take_digits(text);
  if (!n) return std::nullopt;
  if (text.empty()) return n;
  if (text.front() == ' ') text.remove_prefix(1);
  for (const auto& u : size_units) {
    if (text == u.name) {
      if (*n > std::numeric_limits<std::uint64_t>::max() / u.factor) return std::nullopt;
      return *n * u.factor;
    }
  }
  return std::nullopt;
}

std::string format_duration(duration d) {
  const auto ms = d.count();
  if (ms <= 0) return ms == 0 ? "0s" : std::to_string(ms) + "ms";
  for (auto it = duration_units.rbegin(); it != duration_units.rend(); ++it) {
    const auto f = static_cast<duration::rep>(it->factor);
    if (ms % f == 0) return std::to_string(ms / f) + std::string(it->name);
  }
  return std::to_string(ms) + "ms";
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0B";
  for (const auto& u : size_units) {
    if (bytes % u.factor == 0) return std::to_string(bytes / u.factor) + std::string(u.name);
  }
  return std::to_string(bytes) + "B";
}

}  // namespace sf::units
