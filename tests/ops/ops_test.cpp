// Tests of the ops module: metrics text, readiness rules, routing, the endpoint over loopback, notify timing.
#include "daemon/ops/http_endpoint.hpp"
#include "daemon/ops/routes.hpp"
#include "daemon/ops/state_view.hpp"
#include "daemon/ops/systemd_notify.hpp"
#include "daemon/ops/telemetry.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace sf::ops {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

const steady_time t0 = steady_time(std::chrono::hours(1000));
const sys_time wall0 = sys_time(std::chrono::seconds(1'700'000'000));

telemetry with_sink(const std::string& name) {
  telemetry t(t0);
  sink_telemetry s;
  s.name = name;
  s.type = "elasticsearch";
  t.sinks.push_back(s);
  return t;
}

TEST(Metrics, CountersGaugesAndHistogramAreRendered) {
  auto t = with_sink("es \"main\"");
  t.events_received = 42;
  t.pages = 3;
  t.count_request("auditsV2", 200);
  t.count_request("auditsV2", 200);
  t.count_request("auditsV2", 0);
  t.checkpoint_event_time = wall0 - 90s;
  t.delivered(0, 40, 2, 0.3, t0);
  t.delivered(0, 10, 0, 120.0, t0);
  t.sinks[0].on_dead_letter(1);
  const auto text = render_prometheus(t, wall0, t0 + 5s);
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_events_received_total 42\n"));
  EXPECT_THAT(text,
              HasSubstr("scaleft_forwarder_api_requests_total{endpoint=\"auditsV2\",status=\"200\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("scaleft_forwarder_api_requests_total{endpoint=\"auditsV2\",status=\"0\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_checkpoint_lag_seconds 90.000\n"));
  // The sink name is escaped, not cut.
  EXPECT_THAT(
      text,
      HasSubstr(
          "scaleft_forwarder_events_shipped_total{sink=\"es \\\"main\\\"\",type=\"elasticsearch\"} 50\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_events_dead_lettered_total{sink=\"es \\\"main\\\"\"} 1\n"));
  // Buckets are cumulative: 0.3 s falls in le=0.5, 120 s only in +Inf.
  EXPECT_THAT(text, HasSubstr("le=\"0.25\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("le=\"0.5\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("le=\"60\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("scaleft_forwarder_batch_delivery_seconds_count{sink=\"es \\\"main\\\"\"} 2\n"));
}

TEST(Metrics, UnknownValuesAreLeftOutRatherThanShownAsZero) {
  const auto text = render_prometheus(telemetry(t0), wall0, t0);
  EXPECT_THAT(text, Not(HasSubstr("checkpoint_lag_seconds")));
  EXPECT_THAT(text, Not(HasSubstr("rate_limit_remaining")));
  EXPECT_THAT(text, Not(HasSubstr("key_age_seconds")));
  auto t = telemetry(t0);
  t.key_issued_at = wall0 - 48h;
  t.key_expires_at = wall0 + 1h;
  const auto keyed = render_prometheus(t, wall0, t0);
  EXPECT_THAT(keyed, HasSubstr("scaleft_forwarder_key_age_seconds 172800\n"));
  EXPECT_THAT(keyed, HasSubstr("scaleft_forwarder_key_expiry_seconds 3600\n"));
}

TEST(Metrics, ASinkReportsItsRequestsBytesRetriesAndDeadLettersThroughItsObserver) {
  telemetry t(t0);
  sinks::sink_observer& es = t.add_sink("es", "elasticsearch");
  sinks::sink_observer& file = t.add_sink("archive", "file");  // the first one's reference stays valid
  es.on_request("200");
  es.on_request("503");
  es.on_request("503");
  es.on_request("0");
  es.on_bytes(1000, 180);
  es.on_bytes(500, 90);
  es.on_retry(7);
  es.on_dead_letter(2);
  file.on_request("error");
  file.on_request("ok");
  file.on_bytes(300, 300);
  const auto text = render_prometheus(t, wall0, t0);
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_sink_requests_total{sink=\"es\",status=\"503\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_sink_requests_total{sink=\"es\",status=\"0\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_sink_requests_total{sink=\"archive\",status=\"error\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_sink_payload_bytes_total{sink=\"es\"} 1500\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_sink_wire_bytes_total{sink=\"es\"} 270\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_sink_wire_bytes_total{sink=\"archive\"} 300\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_sink_retried_events_total{sink=\"es\"} 7\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_events_dead_lettered_total{sink=\"es\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_events_dead_lettered_total{sink=\"archive\"} 0\n"));
  t.authenticated_at = t0;
  EXPECT_THAT(status_line(t, wall0), HasSubstr("2 dead-lettered"));
}

TEST(Metrics, TheKeyManagerReportsTheKeyAndEveryRotationOutcome) {
  telemetry t(t0);
  keys::key_observer& keys = t;
  keys.key_in_use("k1", wall0 - 8 * 24h, std::nullopt);
  auto text = render_prometheus(t, wall0, t0);
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_key_age_seconds 691200\n"));
  EXPECT_THAT(text, Not(HasSubstr("key_expiry_seconds")));
  // Another key was created: the one in use got an expiry (what the ScaleftForwarderKeyExpiring alert reads).
  keys.key_in_use("k1", wall0 - 8 * 24h, wall0 + 20h);
  keys.rotation_failed("cannot store the new key");
  keys.rotation_failed("cannot create a key");
  text = render_prometheus(t, wall0, t0);
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_key_expiry_seconds 72000\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_key_rotations_total{outcome=\"failure\"} 2\n"));
  keys.key_in_use("k2", wall0, std::nullopt);
  keys.rotation_succeeded();
  keys.on_rotate_failed("key_rotation.on_rotate (/hook) exited with status 3 for key k2");
  text = render_prometheus(t, wall0, t0);
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_key_rotations_total{outcome=\"success\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("scaleft_forwarder_key_rotations_total{outcome=\"on_rotate_failed\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("key_expiry_seconds")));  // the new key has none
  EXPECT_EQ(t.key_id, "k2");
  t.authenticated_at = t0;
  t.last_source_progress = t0;
  EXPECT_THAT(check_ready(t, t0, 5min).reason, HasSubstr("exited with status 3"));
  keys.on_rotate_recovered();
  EXPECT_TRUE(check_ready(t, t0, 5min).ready);
}

TEST(Readiness, NotReadyUntilAuthenticated) {
  auto t = with_sink("es");
  auto r = check_ready(t, t0 + 1s, 5min);
  EXPECT_FALSE(r.ready);
  EXPECT_THAT(r.json(), HasSubstr("\"reason\":\"not authenticated"));
  t.authenticated_at = t0 + 1s;
  EXPECT_TRUE(check_ready(t, t0 + 2s, 5min).ready);
}

TEST(Readiness, AFailingOnRotateProgramIsNotReadyAndCounted) {
  auto t = with_sink("es");
  t.authenticated_at = t0;
  t.on_rotate_problem = "key_rotation.on_rotate (/hook) exited with status 3 for key k2";
  t.rotations["on_rotate_failed"] = 2;
  auto r = check_ready(t, t0 + 1s, 5min);
  EXPECT_FALSE(r.ready);
  EXPECT_THAT(r.json(), HasSubstr("exited with status 3"));
  EXPECT_THAT(render_prometheus(t, sys_time{}, t0 + 1s),
              HasSubstr("scaleft_forwarder_key_rotations_total{outcome=\"on_rotate_failed\"} 2\n"));
  t.on_rotate_problem.clear();
  EXPECT_TRUE(check_ready(t, t0 + 1s, 5min).ready);
}

TEST(Readiness, AStalledSourceIsNotReady) {
  auto t = with_sink("es");
  t.authenticated_at = t0;
  t.last_source_progress = t0 + 10s;
  EXPECT_TRUE(check_ready(t, t0 + 10s + 5min, 5min).ready);
  auto r = check_ready(t, t0 + 10s + 5min + 1s, 5min);
  EXPECT_FALSE(r.ready);
  EXPECT_THAT(r.reason, HasSubstr("no page fetched from the ScaleFT API for 301s"));
}

TEST(Readiness, AnIdleSinkIsFineAStuckOneIsNot) {
  auto t = with_sink("es");
  t.authenticated_at = t0;
  // Idle for an hour with nothing to deliver: ready (the source keeps polling).
  t.last_source_progress = t0 + 1h;
  EXPECT_TRUE(check_ready(t, t0 + 1h, 5min).ready);
  // Work arrives: the window starts then, not at the last delivery an hour ago.
  t.set_pending(0, 3, t0 + 1h);
  EXPECT_TRUE(check_ready(t, t0 + 1h + 1min, 5min).ready);
  t.last_source_progress = t0 + 1h + 6min;
  auto r = check_ready(t, t0 + 1h + 6min, 5min);
  EXPECT_FALSE(r.ready);
  EXPECT_THAT(r.reason, HasSubstr("sink 'es' delivered nothing for 360s with 3 pages waiting"));
  // A delivery brings it back.
  t.delivered(0, 1000, 0, 0.1, t0 + 1h + 6min);
  EXPECT_TRUE(check_ready(t, t0 + 1h + 6min, 5min).ready);
}

TEST(Readiness, StoppingIsNotReady) {
  auto t = with_sink("es");
  t.authenticated_at = t0;
  t.stopping = true;
  EXPECT_EQ(check_ready(t, t0, 5min).reason, "shutting down");
}

TEST(Routes, PathsStatusesAndMethods) {
  auto t = with_sink("es");
  EXPECT_EQ(route(t, 5min, "GET", "/healthz", wall0, t0).status, 200u);
  auto ready = route(t, 5min, "GET", "/readyz?verbose", wall0, t0);
  EXPECT_EQ(ready.status, 503u);
  EXPECT_EQ(ready.content_type, "application/json");
  auto metrics = route(t, 5min, "GET", "/metrics", wall0, t0);
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_THAT(metrics.content_type, HasSubstr("version=0.0.4"));
  EXPECT_EQ(route(t, 5min, "GET", "/", wall0, t0).status, 404u);
  EXPECT_EQ(route(t, 5min, "POST", "/metrics", wall0, t0).status, 405u);
}

TEST(Endpoints, OnlyAFixedSetOfLabels) {
  EXPECT_EQ(endpoint_of("/v1/teams/acme/auditsV2?count=1000&offset=abc"), "auditsV2");
  EXPECT_EQ(endpoint_of("/v1/teams/acme/service_token"), "service_token");
  EXPECT_EQ(endpoint_of("/v1/teams/acme/service_users/u/keys/123"), "keys");
  EXPECT_EQ(endpoint_of("/v1/teams/acme/something/else"), "other");
}

TEST(Notify, WatchdogAtHalfAndFastUntilReady) {
  EXPECT_EQ(watchdog_ping_interval(30s), 15s);
  EXPECT_EQ(notify_tick(false, std::nullopt), 100ms);
  EXPECT_EQ(notify_tick(true, std::nullopt), 2s);
  EXPECT_EQ(notify_tick(true, std::chrono::microseconds(1'000'000)), 500ms);
}

std::string http_get(unsigned short port, const std::string& path) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(req));
  std::string out;
  boost::system::error_code ec;
  boost::asio::read(s, boost::asio::dynamic_buffer(out), ec);
  return out;
}

TEST(Endpoint, ServesOverLoopbackAndStops) {
  boost::asio::io_context io;
  auto t = with_sink("es");
  t.events_received = 7;
  http_endpoint ep(io.get_executor(), "127.0.0.1:0", [&](std::string_view m, std::string_view target) {
    return route(t, 5min, m, target, wall0, t0);
  });
  ASSERT_NE(ep.port(), 0);
  ep.start();
  std::string metrics, ready;
  std::thread client([&] {
    metrics = http_get(ep.port(), "/metrics");
    ready = http_get(ep.port(), "/readyz");
    boost::asio::post(io, [&] { ep.stop(); });
  });
  io.run_for(10s);  // bounded: a hang fails the test instead of blocking ctest
  client.join();
  EXPECT_THAT(metrics, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(metrics, HasSubstr("scaleft_forwarder_events_received_total 7"));
  EXPECT_THAT(ready, HasSubstr("HTTP/1.1 503"));
  EXPECT_THAT(ready, HasSubstr("{\"ready\":false,\"reason\":\"not authenticated"));
  EXPECT_TRUE(io.stopped());  // nothing kept running after stop()
}

TEST(Endpoint, ABusyPortIsAStartUpError) {
  boost::asio::io_context io;
  http_endpoint first(io.get_executor(), "127.0.0.1:0", [](auto, auto) { return http_reply{}; });
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  EXPECT_THROW(http_endpoint(io.get_executor(), taken, [](auto, auto) { return http_reply{}; }),
               std::runtime_error);
  EXPECT_THROW(http_endpoint(io.get_executor(), "nohost:1", [](auto, auto) { return http_reply{}; }),
               std::runtime_error);
}

TEST(StateView, ReadsWithoutTouchingAndCountsDeadLetters) {
  const sf::test::temp_dir tmp("sf-ops-test");
  const std::filesystem::path dir = tmp.path();
  std::filesystem::create_directories(dir / "dead-letter");
  EXPECT_FALSE(read_checkpoint(dir).present);
  EXPECT_TRUE(read_checkpoint(dir).error.empty());
  std::ofstream(dir / "checkpoint.json")
      << R"({"version":1,"event_id":"e9","event_timestamp":"2024-05-01T12:00:00Z",)"
      << R"("events_total":77,"written_at":"2024-05-01T12:00:01.000Z"})"
      << "\n";
  std::ofstream(dir / "checkpoint.json.tmp.123") << "partial";
  std::ofstream(dir / "dead-letter" / "es.ndjson") << "{\"a\":1}\n{\"b\":2}\n";
  auto cp = read_checkpoint(dir);
  ASSERT_TRUE(cp.present) << cp.error;
  EXPECT_EQ(cp.event_id, "e9");
  EXPECT_EQ(cp.events_total, 77u);
  ASSERT_TRUE(cp.event_time);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*cp.event_time), 1714564800);
  // A save in progress (its temp file) is the daemon's business: the reader leaves it alone.
  EXPECT_TRUE(std::filesystem::exists(dir / "checkpoint.json.tmp.123"));
  auto dl = count_dead_letters("es", dir / "dead-letter" / "es.ndjson");
  EXPECT_TRUE(dl.present);
  EXPECT_EQ(dl.events, 2u);
  std::ofstream(dir / "credentials.json")
      << R"({"version":1,"current":{"id":"k2","secret":"s2","issued_at":"2024-05-01T00:00:00Z"},)"
      << R"("previous":{"id":"k1","secret":"s1","issued_at":null},"pending":null,"rotation_started_at":null})";
  auto creds = read_credentials(dir);
  ASSERT_TRUE(creds.present);
  ASSERT_TRUE(creds.current);
  EXPECT_EQ(creds.current->id, "k2");
  ASSERT_TRUE(creds.previous);
  EXPECT_FALSE(creds.pending);
  std::ofstream(dir / "checkpoint.json") << "{not json";
  EXPECT_FALSE(read_checkpoint(dir).present);
  EXPECT_THAT(read_checkpoint(dir).error, HasSubstr("is not a checkpoint"));
}

}  // namespace
}  // namespace sf::ops
