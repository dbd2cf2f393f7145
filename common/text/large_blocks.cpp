// The blocks of large text buffers, mapped outside the malloc heap and a few kept for the next page.
//
// Why not malloc: glibc serves a ~2 MB request from the heap once its mmap threshold has adapted, and a
// page's documents are allocated and freed every page among the smaller allocations of the same loop, so the
// heap fragments and its top grows. Over a 1,000,000-event catch-up with gzip, peak RSS was 23.7-24.2 MiB
// (3 runs); with those blocks mapped apart (glibc's threshold fixed at 1 MiB), 18.7-18.8 MiB, but with ten
// times the page faults (each page's blocks mapped anew: 40,000 -> 430,000, +0.6-1.0 s of kernel CPU).
// Keeping the freed blocks for the next page keeps the first without the second.
#include "common/text/large_blocks.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <new>

namespace sf::text::large_blocks {

namespace {

struct block {
  char* data = nullptr;
  std::size_t bytes = 0;
};

// Sizes are rounded up so that blocks freed by one page fit the next one's request of about the same size.
constexpr std::size_t granule = std::size_t{256} << 10;

std::mutex guard;  // batches are freed on whichever thread lets go of them last
std::array<block, kept> blocks;  // bytes == 0: empty

void unmap(const block& b) { ::munmap(b.data, b.bytes); }

}  // namespace

char* take(std::size_t& bytes) {
  if (bytes > ~std::size_t{0} - granule) throw std::bad_alloc();  // rounding up would wrap
  const std::size_t want = (std::max(bytes, smallest_block) + granule - 1) / granule * granule;
  {
    const std::lock_guard lock(guard);
    block* best = nullptr;
    for (auto& b : blocks)
      if (b.bytes != 0 && b.bytes >= want && (best == nullptr || b.bytes < best->bytes)) best = &b;
    if (best != nullptr) {
      const block got = *best;
      *best = {};
      bytes = got.bytes;
      return got.data;
    }
  }
  void* p = ::mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  bytes = want;
  return static_cast<char*>(p);
}

void give_back(char* data, std::size_t bytes) {
  if (data == nullptr) return;
  block freed{data, bytes};
  {
    const std::lock_guard lock(guard);
    // Keep the largest blocks: they fit any page's request that a smaller one fits.
    block* smallest = &blocks[0];
    for (auto& b : blocks)
      if (b.bytes < smallest->bytes) smallest = &b;
    if (smallest->bytes < freed.bytes) std::swap(*smallest, freed);
  }
  if (freed.bytes != 0) unmap(freed);
}

void release_kept() {
  std::array<block, kept> out;
  {
    const std::lock_guard lock(guard);
    out = blocks;
    blocks = {};
  }
  for (const auto& b : out)
    if (b.bytes != 0) unmap(b);
}

std::size_t kept_blocks() {
  const std::lock_guard lock(guard);
  return static_cast<std::size_t>(
      std::count_if(blocks.begin(), blocks.end(), [](const block& b) { return b.bytes != 0; }));
}

std::size_t kept_bytes() {
  const std::lock_guard lock(guard);
  std::size_t n = 0;
  for (const auto& b : blocks) n += b.bytes;
  return n;
}

}  // namespace sf::text::large_blocks
