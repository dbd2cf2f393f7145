// The daemon's telemetry: plain counters and gauges that /metrics, /readyz and systemd STATUS= read.
#pragma once

#include "daemon/keys/key_observer.hpp"
#include "sinks/sink_observer.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sf::ops {

using steady_time = std::chrono::steady_clock::time_point;
using sys_time = std::chrono::system_clock::time_point;

// Batch delivery latency in seconds. Bounds span a local fsync (ms) to an Elasticsearch outage (minutes).
struct latency_histogram {
  static constexpr std::array<double, 13> bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                    1,     2.5,  5,     10,   30,  60};
  std::array<std::uint64_t, bounds.size()> buckets{};  // per bound, not cumulative (rendering sums them)
  std::uint64_t count = 0;
  double sum = 0;
  void observe(double seconds);
};

// One sink's numbers. The forwarder fills the delivery side; the sink itself reports its requests, bytes,
// retries and dead letters as they happen, through the observer interface.
struct sink_telemetry final : sinks::sink_observer {
  std::string name;
  std::string type;                  // "file" or "elasticsearch"
  std::uint64_t events_shipped = 0;  // stored, or already stored (duplicates count as delivered)
  std::uint64_t duplicates = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t batches = 0;
  std::map<std::string, std::uint64_t> requests;  // by status: HTTP status ("0": no answer), or "ok"/"error"
  std::uint64_t payload_bytes = 0;                // as rendered, before compression
  std::uint64_t wire_bytes = 0;                   // as sent or written, after compression
  std::uint64_t retried_events = 0;               // sent or written again after a failed attempt
  latency_histogram latency;
  std::uint64_t pending_pages = 0;  // fetched pages this sink has not delivered yet
  std::optional<steady_time> last_delivery;
  std::optional<steady_time> waiting_since;  // when pending_pages last went from 0 to more

  void on_request(std::string_view status) override;
  void on_bytes(std::uint64_t payload, std::uint64_t wire) override;
  void on_retry(std::uint64_t events) override;
  void on_dead_letter(std::uint64_t events) override;
};

// Updated on the event-loop thread only, by the forwarder, the source, the key manager (as its observer) and
// the sinks (each through its sink_telemetry), so no locks are needed.
struct telemetry final : keys::key_observer {
  explicit telemetry(steady_time started = std::chrono::steady_clock::now()) : started_at(started) {}

  steady_time started_at;
  bool stopping = false;

  // Source.
  std::optional<steady_time> authenticated_at;      // the first successful authentication (token minted)
  std::optional<steady_time> last_source_progress;  // a page (even an empty one) fetched and parsed
  std::uint64_t events_received = 0;
  std::uint64_t pages = 0;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests;  // (endpoint, status); 0 = no answer
  std::optional<std::int64_t> rate_limit_remaining;
  std::uint64_t lost_offsets = 0;  // offsets the service refused after serving them (events lost)
  std::string source_problem;      // why the source makes no progress although the service answers; "" = none
  std::uint64_t heap_releases = 0;  // free heap handed back to the kernel once caught up (runtime/heap.hpp)

  // Checkpoint.
  std::string checkpoint_event_id;
  std::optional<sys_time> checkpoint_event_time;  // timestamp of the last committed event
  std::uint64_t checkpoint_events_total = 0;

  // Key, as the key manager reports it (times known when credentials.json or the key list holds them).
  std::string key_id;
  std::optional<sys_time> key_issued_at;
  std::optional<sys_time> key_expires_at;
  std::map<std::string, std::uint64_t> rotations = {{"success", 0}, {"failure", 0}, {"on_rotate_failed", 0}};
  // key_rotation.on_rotate failed and has not succeeded since: /readyz says so.
  std::string on_rotate_problem;

  // Memory held between source and sinks.
  std::uint64_t buffered_events = 0;
  std::uint64_t buffered_bytes = 0;

  // A deque: each element is its sink's observer, so it must not move when another sink is added.
  std::deque<sink_telemetry> sinks;

  void count_request(std::string_view endpoint, unsigned status) {
    ++requests[{std::string(endpoint), status}];
  }
  void set_pending(std::size_t sink, std::uint64_t pages, steady_time now);
  // A page delivered by sink `sink` (dead letters are reported by the sink itself, as they are written).
  void delivered(std::size_t sink, std::uint64_t shipped, std::uint64_t duplicates, double seconds,
                 steady_time now);
  // Adds a sink and returns the observer to give it (sinks::sink::set_observer).
  sinks::sink_observer& add_sink(std::string name, std::string type);

  // keys::key_observer
  void key_in_use(std::string_view key_id, std::optional<sys_time> issued_at,
                  std::optional<sys_time> expires_at) override;
  void rotation_succeeded() override { ++rotations["success"]; }
  void rotation_failed(std::string_view) override { ++rotations["failure"]; }
  void on_rotate_failed(std::string_view problem) override;
  void on_rotate_recovered() override { on_rotate_problem.clear(); }
};

// The endpoint label of a ScaleFT API request target: a fixed set, so that ids never become label values.
std::string_view endpoint_of(std::string_view target);

// The Prometheus text exposition (version 0.0.4) of `t` at wall-clock `now` and monotonic `mono`.
std::string render_prometheus(const telemetry& t, sys_time now, steady_time mono);

struct readiness {
  bool ready = false;
  std::string reason;        // why not, for people
  std::string json() const;  // {"ready":..,"reason":..}
};

// Ready when authenticated, the on_rotate program (if any) stored the current key, the source made progress
// within `window`, and every sink that has pages waiting delivered one within `window` (a sink with nothing
// to do is not stalled).
readiness check_ready(const telemetry& t, steady_time now, std::chrono::milliseconds window);

// One line for systemd's STATUS=: what the daemon is doing, for `systemctl status`.
std::string status_line(const telemetry& t, sys_time now);

}  // namespace sf::ops
