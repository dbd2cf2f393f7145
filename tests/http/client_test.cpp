// Component tests of http::client against the simulators' server on 127.0.0.1:0, with injected faults.
#include "tests/http/client_fixture.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

#include <thread>

namespace sf::http::test {
namespace {

namespace beast = boost::beast;

client_options quick(std::chrono::milliseconds timeout = 2s) {
  client_options o;
  o.timeout = timeout;
  return o;
}

// Sends `req` on `c` and cancels it (terminal) `after` into the exchange; `took` is how long it ran.
exchange_result send_cancelled_after(asio::io_context& io, client& c, request req,
                                     std::chrono::milliseconds after, clock_type::duration& took) {
  exchange_result out;
  out.ec = boost::asio::error::would_block;  // overwritten when the exchange finishes
  EXPECT_TRUE(run_cancelled_after(
      io,
      [&]() -> asio::awaitable<void> {
        const auto t0 = clock_type::now();
        out = co_await c.send(std::move(req));
        took = clock_type::now() - t0;
      }(),
      after, 5s))
      << "the cancelled exchange did not finish";
  io.restart();
  return out;
}

// One server, one client, one io_context; the handler is set per test.
class Client : public ::testing::Test {
 protected:
  void start(sfsim::handler h, sfsim::server_options so = {}, client_options co = quick()) {
    server_.emplace(io_, any_loopback_port(), std::move(h), std::move(so));
    server_->start();
    client_.emplace(io_.get_executor(), loopback_url(*server_), std::move(co));
  }

  // Sends `req` under the watchdog and returns the result with the time it took.
  exchange_result send(request req, clock_type::duration* took = nullptr) {
    exchange_result out;
    out.ec = boost::asio::error::would_block;  // overwritten when the exchange finishes
    const auto t0 = clock_type::now();
    EXPECT_TRUE(
        run_bounded(io_, [&]() -> asio::awaitable<void> { out = co_await client_->send(std::move(req)); }()))
        << "the exchange did not finish";
    if (took) *took = clock_type::now() - t0;
    io_.restart();
    return out;
  }

  void pause(std::chrono::milliseconds d) {
    EXPECT_TRUE(run_bounded(io_, sleep_for(d)));
    io_.restart();
  }

  asio::io_context io_;
  std::optional<sfsim::http_server> server_;
  std::optional<client> client_;
};

TEST_F(Client, GetRoundTrip) {
  std::string seen_method, seen_target, seen_host, seen_agent;
  start([&](sfsim::request& req) {
    seen_method = std::string(req.method_string());
    seen_target = std::string(req.target());
    seen_host = std::string(req[bhttp::field::host]);
    seen_agent = std::string(req[bhttp::field::user_agent]);
    return text_reply("hello " + seen_target);
  });
  auto r = send(get("/v1/teams/acme/auditsV2?count=2"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.res.result_int(), 200u);
  EXPECT_EQ(r.res.body(), "hello /v1/teams/acme/auditsV2?count=2");
  EXPECT_EQ(seen_method, "GET");
  EXPECT_EQ(seen_target, "/v1/teams/acme/auditsV2?count=2");
  EXPECT_EQ(seen_host, "127.0.0.1:" + std::to_string(server_->local_endpoint().port()));
  EXPECT_EQ(seen_agent, "scaleft-forwarder/" SF_VERSION);
}

TEST_F(Client, PostRoundTripWithBody) {
  std::string seen_body, seen_type, seen_length;
  start([&](sfsim::request& req) {
    seen_body = req.body();
    seen_type = std::string(req[bhttp::field::content_type]);
    seen_length = std::string(req[bhttp::field::content_length]);
    auto r = text_reply("{\"bearer_token\":\"t\"}");
    r.res.set(bhttp::field::content_type, "application/json");
    return r;
  });
  request req{bhttp::verb::post, "/v1/teams/acme/service_token", 11};
  req.set(bhttp::field::content_type, "application/json");
  req.set(bhttp::field::user_agent, "custom-agent/1");
  req.body() = std::string(100'000, 'x');  // bigger than one socket write
  auto r = send(std::move(req));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.res.body(), "{\"bearer_token\":\"t\"}");
  EXPECT_EQ(r.res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(seen_body, std::string(100'000, 'x'));
  EXPECT_EQ(seen_type, "application/json");
  EXPECT_EQ(seen_length, "100000");
}

// A body of pieces (views of the caller's memory and copies) arrives as their concatenation, with the right
// Content-Length: on plain TCP the kernel gathers them, up to 1024 a call (gathered_write).
TEST_F(Client, PiecesBodyArrivesWholeAndInOrder) {
  std::string seen_body, seen_length;
  start([&](sfsim::request& req) {
    seen_body = req.body();
    seen_length = std::string(req[bhttp::field::content_length]);
    return text_reply("ok");
  });
  auto p = mixed_pieces(4000);
  ASSERT_GT(p->req.body().piece_count(), 3 * 1024u);  // more than one sendmsg takes
  auto r = send(std::move(p->req));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(seen_length, std::to_string(p->expected.size()));
  EXPECT_EQ(seen_body, p->expected);
}

// Far more than the socket buffers hold: the server reads on the same thread, so the writer finds the socket
// full again and again and waits on the stream's write, then gathers again; nothing is lost or reordered.
TEST_F(Client, PiecesBodyLargerThanTheSocketBuffersArrivesWhole) {
  std::string seen_body;
  sfsim::server_options so;
  so.max_body_bytes = 64u << 20;
  start(
      [&](sfsim::request& req) {
        seen_body = req.body();
        return text_reply("ok");
      },
      so);
  auto p = mixed_pieces(170'000);
  ASSERT_GT(p->expected.size(), 30u << 20);
  auto r = send(std::move(p->req));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(seen_body.size(), p->expected.size());
  EXPECT_TRUE(seen_body == p->expected);
}

TEST_F(Client, HttpErrorStatusesAreResultsNotTransportErrors) {
  start([&](sfsim::request&) { return text_reply("{\"error\":{\"code\":\"service_offline\"}}", 503); });
  auto r = send(get("/"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.res.result_int(), 503u);
  EXPECT_EQ(r.res.body(), "{\"error\":{\"code\":\"service_offline\"}}");
}

TEST_F(Client, KeepAliveReusesOneConnection) {
  int handled = 0;
  start([&](sfsim::request& req) {
    ++handled;
    return text_reply(std::string(req.target()));
  });
  for (int i = 0; i < 20; ++i) {
    auto r = send(get("/page/" + std::to_string(i)));
    ASSERT_TRUE(r.ok()) << i << ": " << r.error;
    EXPECT_EQ(r.res.body(), "/page/" + std::to_string(i));
  }
  EXPECT_EQ(handled, 20);
  EXPECT_EQ(client_->connections_opened(), 1u);
  EXPECT_EQ(server_->connections_accepted(), 1u);
}

TEST_F(Client, ConnectionCloseFromTheServerIsNotAnError) {
  int handled = 0;
  start([&](sfsim::request&) {
    auto r = text_reply("bye");
    r.close_after = ++handled == 1;
    return r;
  });
  auto first = send(get("/1"));
  ASSERT_TRUE(first.ok()) << first.error;
  auto second = send(get("/2"));
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_EQ(second.res.body(), "bye");
  EXPECT_EQ(handled, 2);
  EXPECT_EQ(client_->connections_opened(), 2u);
}

TEST_F(Client, ReconnectsOnceWhenTheServerClosedAnIdleConnection) {
  int handled = 0;
  sfsim::server_options so;
  so.idle_timeout = 1s;  // the server drops the kept-alive connection while the client is idle
  start([&](sfsim::request&) { return text_reply("n=" + std::to_string(++handled)); }, so);
  auto first = send(get("/a"));
  ASSERT_TRUE(first.ok()) << first.error;
  pause(1400ms);
  auto second = send(get("/b"));
  ASSERT_TRUE(second.ok()) << "a stale keep-alive connection must be replaced transparently: "
                           << second.error;
  EXPECT_EQ(second.res.body(), "n=2");
  EXPECT_EQ(handled, 2);  // the request reached the server once
  EXPECT_EQ(client_->connections_opened(), 2u);
}

TEST_F(Client, ResetBeforeResponseOnAFreshConnectionIsAnError) {
  int handled = 0;
  start([&](sfsim::request&) {
    ++handled;
    auto r = text_reply("never sent");
    r.how = sfsim::delivery::reset_before_response;
    return r;
  });
  auto r = send(get("/"));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.error.empty());
  EXPECT_NE(r.error.find("127.0.0.1"), std::string::npos) << r.error;
  EXPECT_EQ(handled, 1);  // a fresh connection is not retried: the server did see the request
  EXPECT_EQ(client_->connections_opened(), 1u);
}

TEST_F(Client, ResetBeforeResponseOnAReusedConnectionIsRetriedOnce) {
  int handled = 0, resets_left = 0;
  start([&](sfsim::request&) {
    ++handled;
    auto r = text_reply("ok");
    if (resets_left > 0) {
      --resets_left;
      r.how = sfsim::delivery::reset_before_response;
    }
    return r;
  });
  ASSERT_TRUE(send(get("/warm")).ok());
  resets_left = 1;
  auto once = send(get("/once"));
  ASSERT_TRUE(once.ok()) << once.error;
  EXPECT_EQ(once.res.body(), "ok");
  EXPECT_EQ(handled, 3);
  EXPECT_EQ(client_->connections_opened(), 2u);

  // Reset every time: exactly one retry, then the error is reported.
  resets_left = 100;
  handled = 0;
  auto always = send(get("/always"));
  EXPECT_FALSE(always.ok());
  EXPECT_EQ(handled, 2);
}

TEST_F(Client, ResetMidBodyIsAnErrorNotAShortBody) {
  start([&](sfsim::request&) {
    auto r = text_reply(std::string(200'000, 'b'));
    r.how = sfsim::delivery::reset_mid_body;
    return r;
  });
  auto r = send(get("/"));
  EXPECT_FALSE(r.ok()) << "got " << r.res.body().size() << " body bytes as a success";
  EXPECT_FALSE(r.error.empty());
}

TEST_F(Client, TruncatedBodyWithoutResetIsAnError) {
  // A server that sends half the promised body and then a clean FIN: still not a success.
  start([&](sfsim::request&) {
    auto r = text_reply(std::string(1000, 'c'));
    r.res.content_length(2000);
    r.close_after = true;
    return r;
  });
  auto r = send(get("/"));
  EXPECT_FALSE(r.ok());
}

TEST_F(Client, StallEndsInATimeoutWithinTheDeadline) {
  int handled = 0;
  start(
      [&](sfsim::request&) {
        auto r = text_reply("late");
        if (++handled == 1) {
          r.how = sfsim::delivery::stall;
          r.delay = 20s;
        }
        return r;
      },
      {}, quick(300ms));
  clock_type::duration took{};
  auto r = send(get("/"), &took);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.ec, beast::error::timeout) << r.ec.message();
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 900ms);
  // The client recovers on a new connection.
  auto next = send(get("/"));
  ASSERT_TRUE(next.ok()) << next.error;
  EXPECT_EQ(next.res.body(), "late");
  EXPECT_EQ(client_->connections_opened(), 2u);
}

TEST_F(Client, TrickleSlowerThanTheDeadlineTimesOut) {
  // Every chunk arrives well within the deadline, but the whole response does not: the deadline is for the
  // exchange, not for each read.
  start(
      [&](sfsim::request&) {
        auto r = text_reply(std::string(4000, 't'));
        r.how = sfsim::delivery::trickle;
        r.trickle_chunk = 50;
        r.delay = 50ms;
        return r;
      },
      {}, quick(400ms));
  clock_type::duration took{};
  auto r = send(get("/"), &took);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.ec, beast::error::timeout) << r.ec.message();
  EXPECT_LT(took, 1200ms);
}

TEST_F(Client, TrickleWithinTheDeadlineIsReassembled) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += std::to_string(i) + ",";
  start([&](sfsim::request&) {
    auto r = text_reply(body);
    r.how = sfsim::delivery::trickle;
    r.trickle_chunk = 7;
    r.delay = 1ms;
    return r;
  });
  auto r = send(get("/"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.res.body(), body);
}

TEST_F(Client, MaxResponseBytesIsEnforced) {
  std::size_t size = 0;
  client_options co = quick();
  co.max_response_bytes = 1000;
  start([&](sfsim::request&) { return text_reply(std::string(size, 'm')); }, {}, co);
  size = 1000;
  auto fits = send(get("/"));
  ASSERT_TRUE(fits.ok()) << fits.error;
  EXPECT_EQ(fits.res.body().size(), 1000u);
  size = 1001;
  auto over = send(get("/"));
  EXPECT_FALSE(over.ok());
  EXPECT_EQ(over.ec, bhttp::error::body_limit) << over.ec.message();
  size = 5'000'000;
  auto far_over = send(get("/"));
  EXPECT_FALSE(far_over.ok());
  EXPECT_TRUE(far_over.res.body().empty());
}

TEST_F(Client, CancellationAbortsAnExchangeInProgress) {
  int handled = 0;
  start(
      [&](sfsim::request&) {
        auto r = text_reply("fine");
        if (++handled == 1) {
          r.how = sfsim::delivery::stall;
          r.delay = 20s;
        }
        return r;
      },
      {}, quick(10s));
  clock_type::duration took{};
  const exchange_result out = send_cancelled_after(io_, *client_, get("/slow"), 100ms, took);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.ec, boost::asio::error::operation_aborted) << out.ec.message();
  EXPECT_LT(took, 2s);    // far sooner than the 10 s timeout
  EXPECT_EQ(handled, 1);  // a cancelled exchange is not retried
  // Cancellation applies to the exchange in progress only: the next one works.
  auto next = send(get("/after"));
  ASSERT_TRUE(next.ok()) << next.error;
  EXPECT_EQ(next.res.body(), "fine");
}

// A cancelled caller's next exchange (in a new task) starts afresh, on a new connection: the aborted one
// may have left the old connection mid-message.
TEST_F(Client, CancellationDoesNotPoisonTheNextExchange) {
  int handled = 0;
  start([&](sfsim::request&) {
    auto r = text_reply("ok");
    if (++handled == 2) {
      r.how = sfsim::delivery::stall;
      r.delay = 20s;
    }
    return r;
  });
  ASSERT_TRUE(send(get("/")).ok());
  exchange_result cut;
  ASSERT_TRUE(run_cancelled_after(io_, [&]() -> asio::awaitable<void> { cut = co_await client_->send(get("/")); }(),
                                  100ms, 5s));
  io_.restart();
  EXPECT_EQ(cut.ec, boost::asio::error::operation_aborted);
  auto r = send(get("/"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(client_->connections_opened(), 2u);
}

// One deadline covers the whole exchange: time spent on a slow lookup is not given back to the read (the
// stream's timer once restarted after the connect, so a slow DNS answer and a stalled response took both).
TEST(ClientDeadline, OneDeadlineCoversTheLookupAndTheResponse) {
  asio::io_context io;
  sfsim::http_server server(io, any_loopback_port(), [](sfsim::request&) {
    auto r = text_reply("late");
    r.how = sfsim::delivery::stall;
    r.delay = 20s;
    return r;
  });
  server.start();
  const auto port = server.local_endpoint().port();
  client_options o = quick(600ms);
  o.resolve = [port](const std::string&, const std::string&, boost::system::error_code&) {
    std::this_thread::sleep_for(300ms);  // a slow DNS server that does answer
    return endpoints{{boost::asio::ip::make_address("127.0.0.1"), port}};
  };
  client c(io.get_executor(), *parse_url("http://slow-dns.test:" + std::to_string(port)), o);
  exchange_result out;
  const auto t0 = clock_type::now();
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> { out = co_await c.send(get("/")); }()));
  const auto took = clock_type::now() - t0;
  EXPECT_EQ(out.ec, beast::error::timeout) << out.error;
  EXPECT_GE(took, 550ms);
  EXPECT_LT(took, 850ms);  // not 300 ms of lookup plus a fresh 600 ms for the read
}

// A peer that accepts and never reads: the body fills both sockets' buffers, and the write waits for room
// under the exchange's deadline (or until cancelled), never spinning on a full socket.
class ClientWriteToAPeerThatNeverReads : public ::testing::Test {
 protected:
  ClientWriteToAPeerThatNeverReads() {
    acceptor_.async_accept(held_, [](const boost::system::error_code&) {});
  }
  url origin() const {
    return *parse_url("http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()));
  }

  asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_, any_loopback_port()};
  boost::asio::ip::tcp::socket held_{io_};
};

TEST_F(ClientWriteToAPeerThatNeverReads, TheWriteEndsAtTheDeadline) {
  auto p = mixed_pieces(170'000);
  const auto t0 = clock_type::now();
  auto r = send_once(io_, origin(), quick(400ms), std::move(p->req));
  const auto took = clock_type::now() - t0;
  EXPECT_EQ(r.ec, beast::error::timeout) << r.ec.message();
  EXPECT_NE(r.error.find("sending to http://127.0.0.1:"), std::string::npos) << r.error;
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 1500ms);
}

TEST_F(ClientWriteToAPeerThatNeverReads, CancellationEndsTheWrite) {
  auto p = mixed_pieces(170'000);
  client c(io_.get_executor(), origin(), quick(10s));
  clock_type::duration took{};
  const exchange_result out = send_cancelled_after(io_, c, std::move(p->req), 200ms, took);
  EXPECT_EQ(out.ec, boost::asio::error::operation_aborted) << out.ec.message();
  EXPECT_LT(took, 2s);  // far sooner than the 10 s timeout
}

TEST(ClientConnect, RefusedConnectionIsAClearError) {
  asio::io_context io;
  unsigned short port = 0;
  {
    // Bind, learn the port, close: nothing listens there any more.
    boost::asio::ip::tcp::acceptor a(io, any_loopback_port());
    port = a.local_endpoint().port();
  }
  client c(io.get_executor(), *parse_url("http://127.0.0.1:" + std::to_string(port)), quick());
  exchange_result out;
  out.ec = boost::asio::error::would_block;
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> { out = co_await c.send(get("/")); }()));
  EXPECT_EQ(out.ec, boost::asio::error::connection_refused) << out.ec.message();
  EXPECT_NE(out.error.find("cannot connect to http://127.0.0.1:" + std::to_string(port)), std::string::npos)
      << out.error;
  EXPECT_EQ(c.connections_opened(), 0u);
}

}  // namespace
}  // namespace sf::http::test
