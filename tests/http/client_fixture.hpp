// Shared pieces of the HTTP client tests: an in-process server on 127.0.0.1:0, requests and replies.
#pragma once

#include "common/http/client.hpp"
#include "sim/common/http_server.hpp"
#include "tests/support/run_bounded.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <memory>
#include <string>

namespace sf::http::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

using sf::test::run_bounded;
using sf::test::run_cancelled_after;

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

inline sfsim::reply text_reply(std::string body, unsigned status = 200) {
  sfsim::reply r;
  r.res.result(status);
  r.res.set(bhttp::field::content_type, "text/plain");
  r.res.body() = std::move(body);
  return r;
}

inline request get(std::string target) {
  return request{bhttp::verb::get, target, 11};
}

inline url loopback_url(const sfsim::http_server& server, bool tls = false,
                        const std::string& host = "127.0.0.1") {
  auto u =
      parse_url((tls ? "https://" : "http://") + host + ":" + std::to_string(server.local_endpoint().port()));
  EXPECT_TRUE(u.has_value());
  return u.value_or(url{});
}

// One exchange on a client of its own, run to its end (bounded) on `io`, which is then restarted.
inline exchange_result send_once(asio::io_context& io, const url& origin, const client_options& o,
                                 request req) {
  client c(io.get_executor(), origin, o);
  exchange_result out;
  out.ec = boost::asio::error::would_block;
  EXPECT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> { out = co_await c.send(std::move(req)); }()));
  io.restart();
  return out;
}

inline boost::asio::ip::tcp::endpoint any_loopback_port() {
  return {boost::asio::ip::make_address("127.0.0.1"), 0};
}

// A _bulk-like request: `items` action lines copied and documents viewed in `kept` (of several sizes), then a
// large view and a large copy between small pieces. `expected` is the body as it must arrive.
struct pieces_request {
  std::string kept;      // what the small views point into
  std::string big_view;  // what the large view points into
  std::string expected;
  request req{bhttp::verb::post, "/_bulk", 11};
};

inline std::unique_ptr<pieces_request> mixed_pieces(int items) {
  auto p = std::make_unique<pieces_request>();
  for (int i = 0; i < items; ++i)
    p->kept += "{\"doc\":" + std::to_string(i) + ",\"pad\":\"" + std::string(150, 'p') + "\"}\n";
  std::size_t at = 0;
  for (int i = 0; at < p->kept.size(); ++i) {
    const std::string action = "{\"create\":{\"_id\":\"" + std::to_string(i) + "\"}}\n";
    p->req.body().append_copy(action);
    const std::size_t n = std::min<std::size_t>(p->kept.size() - at, 100 + (i % 7) * 90);
    p->req.body().append_view(std::string_view(p->kept).substr(at, n));
    p->expected += action + p->kept.substr(at, n);
    at += n;
  }
  p->big_view.assign(3 * pieces_body::writer::direct_bytes, 'v');
  p->req.body().append_view(p->big_view);
  const std::string big_copy(2 * pieces_body::writer::direct_bytes, 'c');
  p->req.body().append_copy(big_copy);
  p->req.body().append_copy("\n");
  p->req.body().append_view(std::string_view(p->kept).substr(0, 500));
  p->expected += p->big_view + big_copy + "\n" + p->kept.substr(0, 500);
  return p;
}

}  // namespace sf::http::test
