// The golden corpus on disk (SF_AUDIT_GOLDEN_DIR, set by tests/audit/CMakeLists.txt).
#include "tests/audit/golden_files.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sf::audit::testing {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> golden_files(std::string_view extension) {
  std::vector<std::filesystem::path> v;
  const std::string ext = "." + std::string(extension);
  for (const auto& e : std::filesystem::directory_iterator(SF_AUDIT_GOLDEN_DIR)) {
    if (e.path().extension() == ext) v.push_back(e.path());
  }
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace sf::audit::testing
