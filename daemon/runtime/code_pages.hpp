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

// A read-only mapping of a file (permissions `r-xp` or `r--p` and a path): the program's and its shared
// libraries' text, and their constants, symbol and relocation tables.
struct file_mapping {
  address_range range;
  // From smaps: `Anonymous: 0 kB`, `Private_Dirty: 0 kB` and `Swap: 0 kB`, i.e. every page is the file's own
  // (none was relocated or otherwise copied on write, resident or swapped). False when a field is missing.
  bool clean = false;
};

// The read-only file mappings among the lines of /proc/self/smaps (or /proc/self/maps, which has no fields:
// then none is known clean). Writable and anonymous mappings are never among them.
std::vector<file_mapping> read_only_file_mappings(std::string_view smaps);

// Gives back the resident pages of every read-only file mapping. First madvise(MADV_PAGEOUT) (Linux 5.4): the
// kernel reclaims the pages, but only of files the process owns or may write (root, or the binary's owner),
// and not pages that other processes map too. Then, for a clean mapping, madvise(MADV_DONTNEED): its pages
// leave this process (they stay in the page cache, for it to reclaim at will), which works for any user;
// what the process uses again faults back in from the page cache. A catch-up runs most of the binary's and
// the libraries' text and reads their tables, and the kernel maps 64 KiB around each page touched, so they
// stay resident though a caught-up forwarder uses a small part of them. Never applied to a mapping with
// private pages: for a private file mapping DONTNEED would put the file's bytes back in their place.
// Returns how many mappings took either advice. Idle RSS, 15 s after a catch-up, 2 runs each: as root 8.3
// MiB with either; as an unprivileged user (the systemd unit's DynamicUser, the container's user) 9.6-9.7
// MiB with PAGEOUT alone.
std::size_t release_idle_file_pages();

}  // namespace sf::runtime
