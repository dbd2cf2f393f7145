// Free space as people read it: "12.3 GiB", "512 MiB", "800 KiB", "17 B".
#pragma once

#include <cstdint>
#include <string>

namespace sf::connection_test {

// One decimal from GiB up when under 100 of the unit, else whole units (binary units, as df -h).
std::string approximate_size(std::uint64_t bytes);

}  // namespace sf::connection_test
