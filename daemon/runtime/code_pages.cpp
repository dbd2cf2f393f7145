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

std::vector<file_mapping> read_only_file_mappings(std::string_view smaps) {
  std::vector<file_mapping> out;
  bool in_mapping = false;  // the fields below belong to out.back()
  bool anonymous_zero = false, private_dirty_zero = false, swap_zero = false;
  auto finish = [&] {
    if (in_mapping) out.back().clean = anonymous_zero && private_dirty_zero && swap_zero;
    in_mapping = anonymous_zero = private_dirty_zero = swap_zero = false;
  };
  while (!smaps.empty()) {
    const auto nl = smaps.find('\n');
    const std::string_view line = smaps.substr(0, nl);
    smaps = nl == std::string_view::npos ? std::string_view() : smaps.substr(nl + 1);
    const auto first_end = line.find(' ');
    const std::string_view first = line.substr(0, first_end);
    if (!first.empty() && first.back() == ':') {  // a field of the mapping above: `Name:   value kB`
      if (!in_mapping) continue;
      std::string_view rest;
      if (first_end != std::string_view::npos) rest = line.substr(first_end);
      const auto digits = rest.find_first_not_of(' ');
      rest = digits == std::string_view::npos ? std::string_view() : rest.substr(digits);
      const bool zero = rest == "0 kB";
      if (first == "Anonymous:") anonymous_zero = zero;
      if (first == "Private_Dirty:") private_dirty_zero = zero;
      if (first == "Swap:") swap_zero = zero;
      continue;
    }
    finish();
    file_mapping m;
    if (read_only_file_mapping(line, m.range)) {
      out.push_back(m);
      in_mapping = true;
    }
  }
  finish();
  return out;
}

std::size_t release_idle_file_pages() {
  std::ifstream in("/proc/self/smaps");
  const std::string smaps((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t advised = 0;
  for (const auto& m : read_only_file_mappings(smaps)) {
    void* at = reinterpret_cast<void*>(m.range.begin);
    const std::size_t length = m.range.end - m.range.begin;
    bool taken = false;
#ifdef MADV_PAGEOUT
    taken = madvise(at, length, MADV_PAGEOUT) == 0;
#endif
    if (m.clean && madvise(at, length, MADV_DONTNEED) == 0) taken = true;
    if (taken) ++advised;
  }
  return advised;
}

}  // namespace sf::runtime
