// How a caught-up forwarder gives back the pages of code that only a catch-up runs.
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

// The executable mappings of files among /proc/self/maps lines (permissions `r-xp` and a path): the
// program's text and its shared libraries'. Writable and anonymous mappings are never among them.
std::vector<address_range> code_mappings(std::string_view maps);

// Asks the kernel to reclaim the resident pages of every code mapping (madvise MADV_PAGEOUT, Linux 5.4). A
// catch-up runs most of the binary's and the libraries' text, and the kernel maps 64 KiB around each page
// touched, so it stays resident though a caught-up forwarder runs a small part of it; what the idle polls run
// faults back in at the next poll (from the page cache). Pages that other processes map too are left alone.
// Returns how many mappings the kernel took the advice for: 0 where it lacks MADV_PAGEOUT (nothing else
// changes then).
std::size_t release_idle_code();

}  // namespace sf::runtime
