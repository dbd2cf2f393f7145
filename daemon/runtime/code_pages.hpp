// How a caught-up forwarder gives back the pages of code and constants that only a catch-up uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sf::runtime {

struct address_range {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
};

// The read-only mappings of files among /proc/self/maps lines (permissions `r-xp` or `r--p` and a path): the
// program's and its shared libraries' text, and their constants, symbol and relocation tables. Writable and
// anonymous mappings are never among them.
std::vector<address_range> read_only_file_mappings(std::string_view maps);

// Asks the kernel to reclaim the resident pages of every read-only file mapping (madvise MADV_PAGEOUT, Linux
// 5.4). A catch-up runs most of the binary's and the libraries' text and reads their tables, and the kernel
// maps 64 KiB around each page touched, so they stay resident though a caught-up forwarder uses a small part
// of them; what the idle polls use faults back in at the next poll (from the page cache). Pages that other
// processes map too, and the relocated (private, written) pages of a read-only mapping, are left alone.
// Returns how many mappings the kernel took the advice for: 0 where it lacks MADV_PAGEOUT (nothing else
// changes then). Idle RSS, 2 runs each over 20 s: 9.3-9.4 MiB with the code mappings only, 9.0 with these
// (9.2 and 9.0 over 60 s).
std::size_t release_idle_file_pages();

}  // namespace sf::runtime
