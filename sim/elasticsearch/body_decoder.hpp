// Content-Encoding: gzip and deflate bodies inflated with a size limit; anything else is left as is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sfsim::es {

enum class decode_status { ok, too_large, corrupt };

// Inflates `in` into `out` when `encoding` is gzip, x-gzip or deflate (zlib or raw). Stops with too_large
// as soon as the output would exceed `limit`, so a small bomb never becomes a huge buffer. Other encodings
// (zstd, br, identity) are copied unchanged: Elasticsearch then parses those bytes as they are.
decode_status decode_body(std::string_view encoding, std::string_view in, std::uint64_t limit,
                          std::string& out);

// True when `encoding` names one this decoder inflates.
bool is_inflated_encoding(std::string_view encoding);

}  // namespace sfsim::es
