// A Beast body that sends text_pieces as one gather write: a request body written straight from the memory
// it views (the rendered documents of a batch), without first copying it into one string.
#pragma once

#include "common/text/text_pieces.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace sf::http {

struct pieces_body {
  using value_type = text::text_pieces;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  // Hands the serializer every piece at once; Beast then writes as much of the sequence per call as the stream
  // takes (a socket: up to 64 buffers per writev; TLS: coalesced into records).
  class writer {
   public:
    using const_buffers_type = std::span<const boost::asio::const_buffer>;

    template <bool is_request, class Fields>
    writer(const boost::beast::http::header<is_request, Fields>&, const value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) {
      buffers_.clear();
      buffers_.reserve(body_.piece_count());
      for (std::size_t i = 0; i < body_.piece_count(); ++i) {
        const auto p = body_.piece(i);
        buffers_.emplace_back(p.data(), p.size());
      }
      handed_ = false;
      ec = {};
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (handed_ || buffers_.empty()) return boost::none;
      handed_ = true;
      return std::make_pair(const_buffers_type(buffers_), false);
    }

   private:
    const value_type& body_;
    std::vector<boost::asio::const_buffer> buffers_;
    bool handed_ = false;
  };
};

}  // namespace sf::http
