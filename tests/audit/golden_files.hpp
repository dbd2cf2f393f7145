// The golden corpus on disk: reading a file whole, listing golden/<name>.<ext> in name order.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sf::audit::testing {

std::string read_file(const std::filesystem::path& p);

// golden/*.<extension> ("json", "ndjson", "error"), sorted by name.
std::vector<std::filesystem::path> golden_files(std::string_view extension);

}  // namespace sf::audit::testing
