// Approximate byte sizes for the free-space check (units::format_size spells exact sizes only).
#include "daemon/connection_test/free_space.hpp"

#include <fmt/format.h>

namespace sf::connection_test {

std::string approximate_size(std::uint64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(units)) {
    v /= 1024.0;
    ++u;
  }
  if (u == 0) return fmt::format("{} B", bytes);
  if (v < 100.0) return fmt::format("{:.1f} {}", v, units[u]);
  return fmt::format("{:.0f} {}", v, units[u]);
}

}  // namespace sf::connection_test
