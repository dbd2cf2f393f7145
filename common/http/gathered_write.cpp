// Writing a request from its pieces with sendmsg, falling back to the stream's write when the socket is full.
#include "common/http/gathered_write.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/fields.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <vector>

namespace sf::http {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// Linux takes up to 1024 buffers per call; Asio's own writes pass 64.
constexpr std::size_t gather_max = 1024;
static_assert(gather_max <= IOV_MAX);
constexpr std::size_t stream_write_max = 64;

}  // namespace

gather_cursor::filled gather_cursor::fill(std::span<::iovec> out) const {
  std::size_t n = 0;
  std::size_t bytes = 0;
  std::size_t skip = offset_;
  for (std::size_t i = index_; i <= body_.piece_count() && n < out.size(); ++i) {
    const std::string_view p = part(i);
    if (p.size() > skip) {
      out[n].iov_base = const_cast<char*>(p.data() + skip);  // sendmsg's iovec is not const; nothing writes
      out[n].iov_len = p.size() - skip;
      bytes += out[n].iov_len;
      ++n;
    }
    skip = 0;
  }
  return {n, bytes};
}

void gather_cursor::consume(std::size_t n) {
  n = std::min(n, left_);
  left_ -= n;
  while (index_ <= body_.piece_count()) {
    const std::size_t rest = part(index_).size() - offset_;
    if (n < rest) {
      offset_ += n;
      return;
    }
    n -= rest;
    ++index_;
    offset_ = 0;
  }
}

std::string serialized_header(const beast::http::request_header<>& req) {
  // The fields' own writer: what beast::http::async_write sends before the body, byte for byte.
  beast::http::fields::writer fields(req, req.version(), req.method());
  std::string out;
  for (const auto b : fields.get()) out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

asio::awaitable<boost::system::error_code> write_gathered(beast::tcp_stream& stream,
                                                          const beast::http::request<pieces_body>& req) {
  const std::string head = serialized_header(req.base());
  gather_cursor cursor(head, req.body());
  std::array<::iovec, gather_max> iov;
  std::vector<asio::const_buffer> waiting;
  const int fd = stream.socket().native_handle();
  while (!cursor.done()) {
    const gather_cursor::filled next = cursor.fill(iov);
    ::msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = next.buffers;
    const ssize_t sent = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      co_return boost::system::error_code(errno, boost::system::system_category());
    if (sent > 0) cursor.consume(static_cast<std::size_t>(sent));
    if (sent >= 0 && static_cast<std::size_t>(sent) == next.bytes) continue;
    if (cursor.done()) break;
    // The socket's buffer is full: the stream's write waits for room under its deadline and the caller's
    // cancellation, with the next buffers (what Asio passes at once).
    const std::size_t buffers = cursor.fill(std::span(iov.data(), stream_write_max)).buffers;
    waiting.clear();
    for (std::size_t i = 0; i < buffers; ++i) waiting.emplace_back(iov[i].iov_base, iov[i].iov_len);
    auto [ec, n] = co_await stream.async_write_some(waiting, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return ec;
    cursor.consume(n);
  }
  co_return boost::system::error_code{};
}

}  // namespace sf::http
