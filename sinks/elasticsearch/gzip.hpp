// gzip (RFC 1952) for _bulk bodies: compressed as they are sent, from their pieces (ISA-L's igzip), and
// inflated for tests (zlib).
#pragma once

#include "common/text/text_pieces.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sf::sinks::elasticsearch {

// ISA-L's levels: 0 (no match search) to 3; 1 is the fastest with a hash table, the sink's level.
inline constexpr int gzip_min_level = 0;
inline constexpr int gzip_max_level = 3;

// One gzip member of the pieces in order, as if joined; nothing is joined (each piece is read where it lies).
// `level` is clamped to gzip_min_level..gzip_max_level. Empty optional only if the compressor fails.
std::optional<std::string> gzip_compress(const text::text_pieces& body, int level = 1);
std::optional<std::string> gzip_compress(std::string_view data, int level = 1);

// Inflates gzip or zlib data (for tests and the test server); nullopt on corrupt input or over `limit`.
std::optional<std::string> gzip_decompress(std::string_view data, std::size_t limit = 256u << 20);

}  // namespace sf::sinks::elasticsearch
