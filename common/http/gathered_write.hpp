// A request written on a plain TCP connection straight from its pieces: its header and up to IOV_MAX pieces
// per sendmsg, nothing staged. (Asio hands the kernel at most 64 buffers per write, ~45 KB of a bulk body's
// small pieces: more calls than copying them into a staging buffer costs. TLS encrypts from one buffer
// anyway, so it keeps pieces_body's staging writer.)
#pragma once

#include "common/http/pieces_body.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

struct iovec;

namespace sf::http {

// Where a write of a header and the pieces after it stands: which bytes are left, as buffers in order.
class gather_cursor {
 public:
  // `head` and `body` must outlive the cursor and stay unchanged.
  gather_cursor(std::string_view head, const text::text_pieces& body)
      : head_(head), body_(body), left_(head.size() + body.size()) {}

  struct filled {
    std::size_t buffers;  // how many of `out` were filled
    std::size_t bytes;    // what they hold
  };
  // Fills `out` with the next buffers of what is left, at most out.size().
  filled fill(std::span<::iovec> out) const;
  // Marks `n` more bytes written (at most what is left).
  void consume(std::size_t n);
  bool done() const { return left_ == 0; }

 private:
  // Part 0 is the head, part i the body's piece i - 1 (empty parts are skipped).
  std::string_view part(std::size_t i) const { return i == 0 ? head_ : body_.piece(i - 1); }

  std::string_view head_;
  const text::text_pieces& body_;
  std::size_t index_ = 0;   // the part being written
  std::size_t left_;        // bytes not yet written
  std::size_t offset_ = 0;  // bytes of the part being written that were
};

// The request line and fields Beast would write for `req`, ending with the blank line.
std::string serialized_header(const boost::beast::http::request_header<>& req);

// Writes all of `req` (Content-Length already set): sendmsg without waiting while the socket takes bytes,
// and the stream's own write when its buffer is full, so the stream's deadline and the caller's cancellation
// hold as they do for any write on it. Returns the error that ended the write, or none.
boost::asio::awaitable<boost::system::error_code> write_gathered(
    boost::beast::tcp_stream& stream, const boost::beast::http::request<pieces_body>& req);

}  // namespace sf::http
