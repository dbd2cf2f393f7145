// Fuzz input as the simulators' HTTP server sees it: raw bytes parsed into requests by Beast with the
// server's own limits (sim/common/http_server), so the handlers get exactly what a socket could give them.
#pragma once

#include "sim/common/http_server.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <string_view>

namespace sf::fuzz {

// Parses up to `max_requests` pipelined requests from `bytes` and calls `f` with each complete one. Stops
// at the first malformed or incomplete request (the server would answer 400 or wait for more).
inline void for_each_request(std::string_view bytes, int max_requests,
                             const std::function<void(sfsim::request&)>& f) {
  const sfsim::server_options limits;
  for (int n = 0; n < max_requests && !bytes.empty(); ++n) {
    boost::beast::http::request_parser<boost::beast::http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    parser.eager(true);
    while (!parser.is_done() && !bytes.empty()) {
      boost::system::error_code ec;
      const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec == boost::beast::http::error::need_more) {
        if (used == 0) break;
        continue;
      }
      if (ec) return;
    }
    if (!parser.is_done()) return;
    sfsim::request req = parser.release();
    f(req);
  }
}

inline void check_reply(const sfsim::reply& r) {
  const unsigned status = r.res.result_int();
  if (status < 100 || status > 599) {
    std::fprintf(stderr, "fuzz invariant broken: HTTP status %u\n", status);
    std::abort();
  }
}

}  // namespace sf::fuzz
