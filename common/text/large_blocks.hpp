// The blocks of large text buffers (a page's rendered documents, ~2 MB): mapped from the kernel, outside the
// malloc heap, and a few kept for the next page.
#pragma once

#include <cstddef>

namespace sf::text::large_blocks {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool address_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool address_sanitizer = true;
#else
inline constexpr bool address_sanitizer = false;
#endif
#else
inline constexpr bool address_sanitizer = false;
#endif

// Buffers of at least this many bytes take their memory from here, not from malloc. Under AddressSanitizer
// none do: its malloc puts guard zones around a buffer, a mapping of its own has none.
inline constexpr std::size_t smallest_block = std::size_t{1} << 20;
inline constexpr std::size_t threshold = address_sanitizer ? ~std::size_t{0} : smallest_block;
// Freed blocks kept for reuse (the largest ones); a block freed beyond that is unmapped.
inline constexpr std::size_t kept = 2;

// A block of at least `bytes` (and of smallest_block): a kept one that is large enough, else a new mapping. `bytes`
// becomes the block's size. Throws std::bad_alloc when the kernel refuses the mapping.
char* take(std::size_t& bytes);
// Returns a block from take() (with the size take() gave): kept for the next take(), or unmapped.
void give_back(char* block, std::size_t bytes);
// Unmaps every kept block (a caught-up forwarder needs none of them until the next catch-up).
void release_kept();
// How many blocks are kept now, and their bytes (for tests).
std::size_t kept_blocks();
std::size_t kept_bytes();

}  // namespace sf::text::large_blocks
