// sf-config-reference: prints the README's configuration reference table, or checks or updates README.md.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "config/reference_table.hpp"

namespace {

constexpr const char* usage =
    "usage: sf-config-reference                 print the table\n"
    "       sf-config-reference --check FILE    exit 1 when FILE's table (between the markers) is stale\n"
    "       sf-config-reference --update FILE   rewrite FILE's table\n";

}  // namespace

int main(int argc, char** argv) {
  const std::string table = sf::config::reference_table_markdown();
  if (argc == 1) {
    std::cout << table;
    return 0;
  }
  const std::string mode = argv[1];
  if (argc != 3 || (mode != "--check" && mode != "--update")) {
    std::cerr << usage;
    return 2;
  }
  const std::string path = argv[2];
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "sf-config-reference: cannot read " << path << "\n";
    return 2;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const std::string current = text.str();
  const auto wanted = sf::config::splice_reference_table(current, table);
  if (!wanted) {
    std::cerr << "sf-config-reference: " << path << " has no table between the lines\n  "
              << sf::config::reference_begin_marker << "\n  " << sf::config::reference_end_marker << "\n";
    return 2;
  }
  if (*wanted == current) return 0;
  if (mode == "--check") {
    std::cerr << "sf-config-reference: the configuration reference in " << path
              << " is not what config/keys.cpp says; run: sf-config-reference --update " << path << "\n";
    return 1;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << *wanted;
  return 0;
}
