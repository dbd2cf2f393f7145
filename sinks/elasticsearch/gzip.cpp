// gzip (RFC 1952) for _bulk bodies: compressed as they are sent, from their pieces (ISA-L's igzip), and
// inflated for tests (zlib).
#include "sinks/elasticsearch/gzip.hpp"

#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

namespace sf::sinks::elasticsearch {

namespace {

// The level's working memory (hash tables and match tokens), as ISA-L suggests it (…_DEFAULT).
std::uint32_t level_buffer_size(int level) {
  switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return ISAL_DEF_LVL0_DEFAULT;
  }
}

// Small pieces (action lines of ~100 bytes) are gathered before the compressor sees them: a call per piece
// would cost more than the piece. A document of ~1.7 KB takes the same path; a piece larger than the stage
// goes in where it lies.
constexpr std::size_t stage_size = 64 * 1024;

// One compressor per thread, kept between bodies: the stream state is 80 KB and level 1's buffer 276 KB,
// which allocating (and faulting in) for every request would cost more than compressing a small body. The
// output room is never zeroed: only the pages written become resident. Only what was produced is copied out.
class deflater {
 public:
  std::optional<std::string> compress(const text::text_pieces& body, int level) {
    level = std::clamp(level, gzip_min_level, gzip_max_level);
    const std::uint32_t need = level_buffer_size(level);
    if (level_buf_size_ < need) {
      level_buf_.reset(new std::uint8_t[need]);
      level_buf_size_ = need;
    }
    isal_deflate_init(&z_);
    z_.level = static_cast<std::uint32_t>(level);
    z_.level_buf = need ? level_buf_.get() : nullptr;
    z_.level_buf_size = need;
    z_.gzip_flag = IGZIP_GZIP;
    z_.flush = NO_FLUSH;
    // About a fifth of the input comes out of JSON like ours; the room grows if a body says otherwise.
    reserve_room(body.size() / 4 + 1024);
    produced_ = 0;
    staged_ = 0;

    for (std::size_t i = 0; i < body.piece_count(); ++i) {
      const std::string_view p = body.piece(i);
      if (staged_ + p.size() <= stage_size) {
        std::memcpy(stage_.get() + staged_, p.data(), p.size());
        staged_ += p.size();
        continue;
      }
      if (!drain_stage()) return std::nullopt;
      if (p.size() <= stage_size) {
        std::memcpy(stage_.get(), p.data(), p.size());
        staged_ = p.size();
      } else if (!feed(p.data(), p.size(), false)) {
        return std::nullopt;
      }
    }
    const std::size_t last = staged_;
    staged_ = 0;
    if (!feed(stage_.get(), last, true)) return std::nullopt;
    return std::string(room_.get(), produced_);
  }

 private:
  bool drain_stage() {
    const std::size_t n = staged_;
    staged_ = 0;
    return n == 0 || feed(stage_.get(), n, false);
  }

  // Compresses `n` bytes at `data`; with `last`, ends the member (trailer written) before returning.
  bool feed(const char* data, std::size_t n, bool last) {
    constexpr std::size_t most = std::size_t{1} << 30;  // avail_in is 32 bits wide
    for (; n > most; data += most, n -= most)
      if (!feed(data, most, false)) return false;
    z_.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(data));
    z_.avail_in = static_cast<std::uint32_t>(n);
    z_.end_of_stream = last ? 1 : 0;
    for (;;) {
      if (produced_ == room_size_) grow_room();
      z_.next_out = reinterpret_cast<std::uint8_t*>(room_.get() + produced_);
      z_.avail_out = static_cast<std::uint32_t>(std::min<std::size_t>(room_size_ - produced_, UINT32_MAX));
      const std::uint32_t before = z_.avail_out;
      if (isal_deflate(&z_) != COMP_OK) return false;
      produced_ += before - z_.avail_out;
      const bool done = last ? z_.internal_state.state == ZSTATE_END : z_.avail_in == 0;
      if (done) return true;
    }
  }

  void reserve_room(std::size_t n) {
    if (room_size_ >= n) return;
    room_.reset(new char[n]);
    room_size_ = n;
  }

  void grow_room() {
    const std::size_t n = room_size_ * 2;
    std::unique_ptr<char[]> bigger(new char[n]);
    std::memcpy(bigger.get(), room_.get(), produced_);
    room_ = std::move(bigger);
    room_size_ = n;
  }

  isal_zstream z_{};
  std::unique_ptr<std::uint8_t[]> level_buf_;
  std::uint32_t level_buf_size_ = 0;
  std::unique_ptr<char[]> stage_{new char[stage_size]};
  std::size_t staged_ = 0;
  std::unique_ptr<char[]> room_;
  std::size_t room_size_ = 0;
  std::size_t produced_ = 0;
};

deflater& this_threads_deflater() {
  thread_local deflater d;
  return d;
}

}  // namespace

std::optional<std::string> gzip_compress(const text::text_pieces& body, int level) {
  return this_threads_deflater().compress(body, level);
}

std::optional<std::string> gzip_compress(std::string_view data, int level) {
  text::text_pieces one;
  one.append_view(data);
  return gzip_compress(one, level);
}

std::optional<std::string> gzip_decompress(std::string_view data, std::size_t limit) {
  z_stream zs{};
  // windowBits 15 + 32: accept gzip and zlib headers alike.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return std::nullopt;
  std::string out;
  char buf[64 * 1024];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > limit) break;
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || out.size() > limit) return std::nullopt;
  return out;
}

}  // namespace sf::sinks::elasticsearch
