// The Elasticsearch sink: _bulk `create` with the event id, per-item retry, dead letter, failover and TLS.
#pragma once

#include "config/config.hpp"
#include "sinks/sink.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace sf::sinks::elasticsearch {

// Retry timings: the daemon passes its retry.* settings (tuning_for); tests shorten them.
struct elasticsearch_tuning {
  std::chrono::milliseconds initial_backoff = config::retry_config{}.initial_backoff;
  std::chrono::milliseconds max_backoff = config::retry_config{}.max_backoff;
  // 401/403/404/400: an operator must fix something; retrying fast would only flood the cluster's log.
  std::chrono::milliseconds slow_retry = config::retry_config{}.config_error_backoff;
  // ISA-L's level 1, the cheapest with a match search (level 0 was 4 % faster for 15 % more bytes on the
  // wire, bench/micro_bench): the shipping loop should spend its CPU on events, not on deflate.
  int gzip_level = 1;
};

// The tuning that follows the configuration's retry.* settings.
inline elasticsearch_tuning tuning_for(const config::retry_config& r) {
  elasticsearch_tuning t;
  t.initial_backoff = r.initial_backoff;
  t.max_backoff = r.max_backoff;
  t.slow_retry = r.config_error_backoff;
  return t;
}

// Counters for metrics, cumulative over the sink's life.
struct elasticsearch_stats {
  std::uint64_t stored = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t retried_items = 0;  // item sends beyond the first, fast and slow alike
  std::uint64_t bytes_sent = 0;     // request bodies as sent (after gzip)
  std::uint64_t requests = 0;
  std::map<int, std::uint64_t> requests_by_status;  // HTTP status; 0 = transport failure
  std::string server_version;                       // from GET /, empty until known
};

class elasticsearch_sink : public sink {
 public:
  // Throws std::runtime_error on a bad URL or an unreadable CA file (start-up failures).
  elasticsearch_sink(const std::string& name, const config::elasticsearch_sink_config& cfg,
                     boost::asio::any_io_executor ex, const std::string& state_dir,
                     elasticsearch_tuning tuning = {});
  ~elasticsearch_sink() override;

  std::string_view name() const override;
  boost::asio::awaitable<delivery_report> deliver(const audit::event_batch& batch) override;

  const elasticsearch_stats& stats() const;
  std::string dead_letter_path() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

std::unique_ptr<sink> make_elasticsearch_sink(const std::string& name,
                                              const config::elasticsearch_sink_config& cfg,
                                              boost::asio::any_io_executor ex, const std::string& state_dir,
                                              elasticsearch_tuning tuning);

}  // namespace sf::sinks::elasticsearch
