// What a sink reports as it works (requests, bytes, retries, dead letters), to whoever keeps the metrics.
#pragma once

#include <cstdint>
#include <string_view>

namespace sf::sinks {

// Called on the event-loop thread, at the moment each thing happens (not at the end of a batch), so that a
// sink stuck retrying shows its failures while it is stuck.
class sink_observer {
 public:
  virtual ~sink_observer() = default;
  // One request or write attempt and how it ended: the HTTP status ("200", "429"; "0" when no answer came)
  // for Elasticsearch, "ok" or "error" for a file write.
  virtual void on_request(std::string_view status) = 0;
  // A payload handed to the transport: `payload` bytes as rendered, `wire` bytes as sent or written (after
  // gzip or zstd; equal when uncompressed).
  virtual void on_bytes(std::uint64_t payload, std::uint64_t wire) = 0;
  // Events sent or written again after a failed attempt.
  virtual void on_retry(std::uint64_t events) = 0;
  // Events refused for good and written to the dead-letter file.
  virtual void on_dead_letter(std::uint64_t events) = 0;
};

// The observer of a sink nobody watches (tools, tests): it drops everything.
inline sink_observer& no_sink_observer() {
  struct none final : sink_observer {
    void on_request(std::string_view) override {}
    void on_bytes(std::uint64_t, std::uint64_t) override {}
    void on_retry(std::uint64_t) override {}
    void on_dead_letter(std::uint64_t) override {}
  };
  static none n;
  return n;
}

}  // namespace sf::sinks
