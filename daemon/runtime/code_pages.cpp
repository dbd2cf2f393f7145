// How a caught-up forwarder gives back the pages of code and constants that only a catch-up uses.
#include "daemon/runtime/code_pages.hpp"

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/mman.h>

namespace sf::runtime {

namespace {

bool parse_hex(std::string_view s, std::uintptr_t& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// One maps line: `begin-end perms offset dev inode [path]`.
bool read_only_file_mapping(std::string_view line, address_range& out) {
  const auto dash = line.find('-');
  const auto space = line.find(' ');
  if (dash == std::string_view::npos || space == std::string_view::npos || dash > space) return false;
  const std::string_view perms = line.substr(space + 1, 4);
  if (perms != "r-xp" && perms != "r--p") return false;
  const auto slash = line.find('/', space);
  if (slash == std::string_view::npos) return false;  // anonymous, [vdso], [vsyscall]
  address_range r;
  if (!parse_hex(line.substr(0, dash), r.begin)) return false;
  if (!parse_hex(line.substr(dash + 1, space - dash - 1), r.end) || r.end <= r.begin) return false;
  out = r;
  return true;
}

}  // namespace

std::vector<address_range> read_only_file_mappings(std::string_view maps) {
  std::vector<address_range> out;
  while (!maps.empty()) {
    const auto nl = maps.find('\n');
    const std::string_view line = maps.substr(0, nl);
    maps = nl == std::string_view::npos ? std::string_view() : maps.substr(nl + 1);
    address_range r;
    if (read_only_file_mapping(line, r)) out.push_back(r);
  }
  return out;
}

std::size_t release_idle_file_pages() {
#ifdef MADV_PAGEOUT
  std::ifstream in("/proc/self/maps");
  const std::string maps((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t advised = 0;
  for (const auto& r : read_only_file_mappings(maps))
    if (madvise(reinterpret_cast<void*>(r.begin), r.end - r.begin, MADV_PAGEOUT) == 0) ++advised;
  return advised;
#else
  return 0;
#endif
}

}  // namespace sf::runtime
