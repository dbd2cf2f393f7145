// The body of every request: text_pieces. A bulk body is written from the memory it views (the rendered
// documents of a batch) without first joining it into one string of its size; a body assigned as one string
// is one piece. On plain TCP the kernel gathers the pieces (gathered_write.hpp); over TLS, Beast's serializer
// writes them through this body's small staging buffer.
#pragma once

#include "common/text/text_pieces.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace sf::http {

struct pieces_body {
  using value_type = text::text_pieces;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  // Copies the small pieces, in order, into one staging buffer at a time and hands that to the serializer, and
  // a large piece as it is: a body of any size then takes at most `stage_bytes` more memory, not its size.
  // (Handing Beast the pieces themselves was tried: its cat and prefix views walk the sequence on every
  // partial write, and Asio writes at most 64 buffers per call, which cost more CPU and throughput than the
  // copy into a buffer that stays in cache. TLS encrypts from one buffer anyway.)
  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    static constexpr std::size_t stage_bytes = 256 * 1024;
    static constexpr std::size_t direct_bytes = 64 * 1024;  // pieces this large are not staged

    template <bool is_request, class Fields>
    writer(const boost::beast::http::header<is_request, Fields>&, const value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) {
      piece_ = 0;
      offset_ = 0;
      sent_ = 0;
      ec = {};
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (sent_ >= body_.size()) return boost::none;
      // A large piece (a body assigned as one string, e.g. a gzip body) goes out as it is, uncopied.
      if (piece_ < body_.piece_count() && body_.piece(piece_).size() - offset_ >= direct_bytes) {
        const auto p = body_.piece(piece_);
        const const_buffers_type whole(p.data() + offset_, p.size() - offset_);
        sent_ += p.size() - offset_;
        ++piece_;
        offset_ = 0;
        return std::make_pair(whole, sent_ < body_.size());
      }
      if (stage_.size() < stage_bytes) stage_.resize(std::min(stage_bytes, body_.size()));
      std::size_t filled = 0;
      while (filled < stage_.size() && piece_ < body_.piece_count()) {
        const auto p = body_.piece(piece_);
        if (filled > 0 && p.size() - offset_ >= direct_bytes) break;  // sent on its own next time
        const std::size_t n = std::min(p.size() - offset_, stage_.size() - filled);
        std::memcpy(stage_.data() + filled, p.data() + offset_, n);
        filled += n;
        offset_ += n;
        if (offset_ == p.size()) {
          ++piece_;
          offset_ = 0;
        }
      }
      sent_ += filled;
      return std::make_pair(const_buffers_type(stage_.data(), filled), sent_ < body_.size());
    }

   private:
    const value_type& body_;
    std::string stage_;
    std::size_t piece_ = 0;   // the next piece to copy
    std::size_t offset_ = 0;  // how much of it was copied
    std::uint64_t sent_ = 0;  // bytes handed out
  };
};

}  // namespace sf::http
