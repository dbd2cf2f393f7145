// Durations ("1500ms", "2h", "1h30m") and byte sizes ("10MiB") as written in the configuration file.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sf::units {

using duration = std::chrono::milliseconds;

// One or more `<digits><unit>` groups, unit one of ms s m h d, no sign, no spaces ("90s", "1h30m").
// A bare number has no unit and is rejected: "30" could mean seconds or milliseconds.
std::optional<duration> parse_duration(std::string_view text);

// `<digits>` or `<digits>[ ]<unit>` with unit one of B KiB MiB GiB. Overflow is rejected.
std::optional<std::uint64_t> parse_size(std::string_view text);

// The shortest exact spelling in the largest unit that divides the value ("90s", "1500ms", "7d").
// parse_duration(format_duration(d)) == d for every non-negative d.
std::string format_duration(duration d);

// The largest binary unit that divides the value exactly ("10MiB", "1536KiB", "1000B").
std::string format_size(std::uint64_t bytes);

}  // namespace sf::units
