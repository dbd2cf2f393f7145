// Tests of the deadline resolver and of the client's lookup: a DNS stall ends at the deadline or when cancelled.
#include "common/http/resolver.hpp"
#include "tests/http/client_fixture.hpp"

#include <sys/socket.h>

#include <condition_variable>
#include <mutex>

namespace sf::http::test {
namespace {

// A lookup that blocks until released (like a DNS server that never answers), then fails. The state is shared
// with the lookup threads, which outlive the test's scope.
struct stalled_dns {
  struct state {
    std::mutex m;
    std::condition_variable cv;
    bool released = false;
  };
  std::shared_ptr<state> st = std::make_shared<state>();
  blocking_resolve_fn fn() {
    return [st = st](const std::string&, const std::string&, boost::system::error_code& ec) {
      std::unique_lock lock(st->m);
      st->cv.wait(lock, [&] { return st->released; });
      ec = boost::asio::error::host_not_found;
      return endpoints{};
    };
  }
  ~stalled_dns() {
    std::lock_guard lock(st->m);
    st->released = true;
    st->cv.notify_all();
  }
};

TEST(DeadlineResolver, AStalledLookupEndsAtTheDeadline) {
  asio::io_context io;
  stalled_dns dns;
  deadline_resolver r(io.get_executor(), dns.fn());
  resolve_result out;
  const auto t0 = clock_type::now();
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> {
    out = co_await r.resolve("scaleft.example", "443", 200ms);
  }()));
  const auto took = clock_type::now() - t0;
  EXPECT_EQ(out.ec, boost::asio::error::timed_out);
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 2s);
}

TEST(DeadlineResolver, CancellationEndsAStalledLookupAtOnce) {
  asio::io_context io;
  stalled_dns dns;
  deadline_resolver r(io.get_executor(), dns.fn());
  resolve_result out;
  const auto t0 = clock_type::now();
  ASSERT_TRUE(run_cancelled_after(io, [&]() -> asio::awaitable<void> {
    out = co_await r.resolve("scaleft.example", "443", 60s);
  }(), 100ms));
  EXPECT_EQ(out.ec, boost::asio::error::operation_aborted);
  EXPECT_LT(clock_type::now() - t0, 2s);
}

TEST(DeadlineResolver, AnswersAndIpLiterals) {
  asio::io_context io;
  int calls = 0;
  deadline_resolver r(io.get_executor(), [&](const std::string& host, const std::string& port,
                                             boost::system::error_code&) {
    ++calls;
    EXPECT_EQ(host, "scaleft.example");
    EXPECT_EQ(port, "8443");
    return endpoints{{boost::asio::ip::make_address("10.1.2.3"), 8443}};
  });
  resolve_result named, literal, v6, bad;
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> {
    named = co_await r.resolve("scaleft.example", "8443", 5s);
    literal = co_await r.resolve("127.0.0.1", "9200", 5s);
    v6 = co_await r.resolve("::1", "9200", 5s);
    bad = co_await r.resolve("127.0.0.1", "http", 5s);
  }()));
  ASSERT_FALSE(named.ec) << named.ec.message();
  ASSERT_EQ(named.found.size(), 1u);
  EXPECT_EQ(named.found[0].address().to_string(), "10.1.2.3");
  ASSERT_EQ(literal.found.size(), 1u);
  EXPECT_EQ(literal.found[0].port(), 9200);
  ASSERT_EQ(v6.found.size(), 1u);
  EXPECT_TRUE(v6.found[0].address().is_v6());
  EXPECT_TRUE(bad.ec);
  EXPECT_EQ(calls, 1);  // literals never reach the lookup
}

TEST(DeadlineResolver, SystemLookupOfLocalhost) {
  boost::system::error_code ec;
  auto found = system_resolve("localhost", "80", ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_FALSE(found.empty());
  EXPECT_TRUE(found[0].address().is_loopback());
  system_resolve("no-such-host.invalid", "80", ec);
  EXPECT_TRUE(ec);
}

// The client's exchange timeout covers the lookup, and cancellation (a stop) ends a lookup in progress.
TEST(ClientResolve, ADnsStallIsBoundedByTheTimeoutAndEndedByCancellation) {
  asio::io_context io;
  stalled_dns dns;
  client_options o;
  o.timeout = 300ms;
  o.resolve = dns.fn();
  client c(io.get_executor(), *parse_url("http://scaleft.example:8080"), o);
  exchange_result out;
  auto t0 = clock_type::now();
  ASSERT_TRUE(run_bounded(io, [&]() -> asio::awaitable<void> { out = co_await c.send(get("/")); }()));
  EXPECT_EQ(out.ec, boost::asio::error::timed_out);
  EXPECT_NE(out.error.find("cannot resolve scaleft.example: timed out"), std::string::npos) << out.error;
  EXPECT_LT(clock_type::now() - t0, 2s);
  io.restart();

  client slow(io.get_executor(), *parse_url("http://scaleft.example:8080"), [&] {
    client_options l = o;
    l.timeout = 60s;
    return l;
  }());
  t0 = clock_type::now();
  ASSERT_TRUE(
      run_cancelled_after(io, [&]() -> asio::awaitable<void> { out = co_await slow.send(get("/")); }(), 100ms));
  EXPECT_EQ(out.ec, boost::asio::error::operation_aborted);
  EXPECT_LT(clock_type::now() - t0, 2s);
}

// A peer that never completes the TCP handshake: a loopback listener whose accept queue is full drops further
// SYNs, so the connect hangs; cancellation must end it at once (the connect carries the caller's slot; once
// the stream being connected was out of reach and only the exchange timeout ended it).
TEST(ClientResolve, CancellationEndsAConnectInProgress) {
  asio::io_context io;
  boost::asio::ip::tcp::acceptor full(io, any_loopback_port());
  full.listen(0);
  std::vector<boost::asio::ip::tcp::socket> fillers;
  const auto target = full.local_endpoint();
  for (int i = 0; i < 8; ++i) {
    fillers.emplace_back(io);
    fillers.back().open(boost::asio::ip::tcp::v4());
    fillers.back().non_blocking(true);
    // The plain system call: asio's synchronous connect would wait for the handshake that never comes.
    [[maybe_unused]] int rc = ::connect(fillers.back().native_handle(), target.data(), target.size());
  }
  client_options o;
  o.timeout = 60s;
  client c(io.get_executor(), *parse_url("http://127.0.0.1:" + std::to_string(full.local_endpoint().port())), o);
  exchange_result out;
  const auto t0 = clock_type::now();
  ASSERT_TRUE(run_cancelled_after(io, [&]() -> asio::awaitable<void> { out = co_await c.send(get("/")); }(), 300ms));
  EXPECT_EQ(out.ec, boost::asio::error::operation_aborted) << out.error;
  EXPECT_LT(clock_type::now() - t0, 3s);
}

}  // namespace
}  // namespace sf::http::test
