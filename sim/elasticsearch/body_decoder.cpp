// Content-Encoding: gzip and deflate bodies inflated with a size limit; anything else is left as is.
#include "sim/elasticsearch/body_decoder.hpp"

#include "sim/elasticsearch/json_text.hpp"

#include <zlib.h>

namespace sfsim::es {

namespace {

// window_bits: 15+32 detects a gzip or zlib header; -15 is raw deflate (what some clients send as "deflate").
decode_status inflate_with(int window_bits, std::string_view in, std::uint64_t limit, std::string& out) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return decode_status::corrupt;
  out.clear();
  out.resize(std::min<std::uint64_t>(limit + 1, std::max<std::size_t>(in.size() * 4, 4096)));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::size_t produced = 0;
  decode_status result = decode_status::ok;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() > limit) {
        result = decode_status::too_large;
        break;
      }
      out.resize(std::min<std::uint64_t>(limit + 1, out.size() * 2));
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced = out.size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are legal; keep going while input remains.
      if (zs.avail_in > 0 && window_bits != -15) {
        inflateReset(&zs);
        continue;
      }
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      result = decode_status::corrupt;  // truncated stream
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      result = decode_status::corrupt;
      break;
    }
  }
  inflateEnd(&zs);
  if (result == decode_status::ok && produced > limit) result = decode_status::too_large;
  out.resize(produced);
  return result;
}

}  // namespace

bool is_inflated_encoding(std::string_view encoding) {
  const auto e = trim(encoding);
  return iequals(e, "gzip") || iequals(e, "x-gzip") || iequals(e, "deflate");
}

decode_status decode_body(std::string_view encoding, std::string_view in, std::uint64_t limit,
                          std::string& out) {
  const auto e = trim(encoding);
  if (iequals(e, "gzip") || iequals(e, "x-gzip")) return inflate_with(15 + 32, in, limit, out);
  if (iequals(e, "deflate")) {
    const auto r = inflate_with(15 + 32, in, limit, out);
    return r == decode_status::corrupt ? inflate_with(-15, in, limit, out) : r;
  }
  if (in.size() > limit) return decode_status::too_large;
  out.assign(in.data(), in.size());
  return decode_status::ok;
}

}  // namespace sfsim::es
