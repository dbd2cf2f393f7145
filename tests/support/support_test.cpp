// Tests of the test helpers themselves: the watchdog fires, temp dirs are private and go away, the fake
// sink fails and hangs as told, the scripted fake routes and records.
#include "tests/support/fake_sink.hpp"
#include "tests/support/run_bounded.hpp"
#include "tests/support/scripted_scaleft.hpp"
#include "tests/support/temp_dir.hpp"

#include "common/http/client.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace sf::test {
namespace {

namespace asio = boost::asio;

asio::awaitable<int> sleep_then(std::chrono::milliseconds d, int value) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
  co_return value;
}

TEST(RunBounded, ReturnsTheValueAndRethrows) {
  asio::io_context io;
  EXPECT_EQ(run(io, sleep_then(1ms, 7)), 7);
  auto thrower = []() -> asio::awaitable<void> {
    throw std::logic_error("boom");
    co_return;
  };
  EXPECT_THROW(run(io, thrower()), std::logic_error);
}

TEST(RunBounded, TheWatchdogEndsAHangAfterItsLimit) {
  asio::io_context io;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(run_bounded(io, sleep_then(60s, 0), 100ms));
  EXPECT_THROW(run(io, sleep_then(60s, 0), 100ms), watchdog_expired);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(TempDir, IsPrivateAndRemovedEvenWhenMadeReadOnly) {
  std::filesystem::path kept;
  {
    temp_dir d("sf-support-test");
    kept = d.path();
    struct stat st {};
    ASSERT_EQ(::stat(kept.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    std::filesystem::create_directories(d / "sub");
    EXPECT_EQ(d.write("sub/file", "x"), (kept / "sub" / "file").string());
    std::filesystem::permissions(d / "sub",
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(FakeSink, RecordsFailsAndHangsUntilReleasedOrCancelled) {
  asio::io_context io;
  fake_sink sink(io.get_executor(), "s");
  audit::event_batch b;
  b.add("e1", "2026-11-01T00:00:00Z", "{}");
  EXPECT_EQ(run(io, sink.deliver(b)).stored, 1u);
  sink.fail_next(1);
  EXPECT_THROW(run(io, sink.deliver(b)), std::runtime_error);
  sink.hang();
  asio::steady_timer later(io, 50ms);
  later.async_wait([&](boost::system::error_code) { sink.release(); });
  EXPECT_EQ(run(io, sink.deliver(b)).stored, 1u);
  sink.hang();
  asio::cancellation_signal cancel;
  asio::steady_timer cancel_later(io, 50ms);
  cancel_later.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::terminal); });
  EXPECT_THROW((void)run_bounded(io, sink.deliver(b), 5s, cancel.slot()), boost::system::system_error);
  EXPECT_EQ(sink.batches().size(), 2u);  // the failed and the cancelled deliveries stored nothing
  EXPECT_EQ(sink.attempts(), 4u);
}

TEST(ScriptedScaleft, RoutesByMethodAndPath) {
  EXPECT_EQ(classify_scaleft_call("POST", "/v1/teams/acme/service_token"), scaleft_call::token);
  EXPECT_EQ(classify_scaleft_call("GET", "/v1/teams/acme/auditsV2?count=1"), scaleft_call::audits);
  EXPECT_EQ(classify_scaleft_call("GET", "/v1/teams/acme/service_users/u/keys"), scaleft_call::list_keys);
  EXPECT_EQ(classify_scaleft_call("POST", "/v1/teams/acme/service_users/u/keys"), scaleft_call::create_key);
  EXPECT_EQ(classify_scaleft_call("DELETE", "/v1/teams/acme/service_users/u/keys/k1"),
            scaleft_call::delete_key);
  EXPECT_EQ(classify_scaleft_call("GET", "/v1/teams/acme/service_token"), scaleft_call::other);
  EXPECT_EQ(classify_scaleft_call("GET", "/auditsV2"), scaleft_call::other);
}

TEST(ScriptedScaleft, AnswersFromTheScriptThenTheDefaultsAndRecords) {
  asio::io_context io;
  scripted_scaleft fake(io);
  fake.then(scaleft_call::audits, scripted_scaleft::error(503, "service_offline", "down"));
  http::client c(io.get_executor(), *http::parse_url(fake.url()), {});
  auto get = [&](std::string target) {
    http::request req{boost::beast::http::verb::get, target, 11};
    return run(io, c.send(std::move(req)));
  };
  EXPECT_EQ(get("/v1/teams/acme/auditsV2").res.result_int(), 503u);
  const auto empty = get("/v1/teams/acme/auditsV2");
  EXPECT_EQ(empty.res.result_int(), 200u);
  EXPECT_EQ(empty.res.body(), R"({"list":[],"related_objects":{}})");
  EXPECT_FALSE(empty.res[boost::beast::http::field::date].empty());
  const auto unscripted = get("/v1/teams/acme/service_users/u/keys");
  EXPECT_EQ(unscripted.res.result_int(), 500u);  // never a made-up success
  ASSERT_EQ(fake.requests().size(), 3u);
  EXPECT_EQ(fake.count(scaleft_call::audits), 2u);
  EXPECT_EQ(fake.requests()[2].call, scaleft_call::list_keys);
}

}  // namespace
}  // namespace sf::test
