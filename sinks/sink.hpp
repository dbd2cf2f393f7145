// The sink contract: deliver one batch, and return only once every event in it is stored or dead-lettered.
#pragma once

#include "sinks/event_batch.hpp"
#include "sinks/sink_observer.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sf::sinks {

struct delivery_report {
  std::size_t stored = 0;         // newly stored
  std::size_t duplicates = 0;     // already stored before (Elasticsearch 409): counts as delivered
  std::size_t dead_lettered = 0;  // refused for good; written to the sink's dead-letter file with the reason
  std::size_t requests = 0;       // requests or writes it took, retries included
};

// A sink owns its retries (only the items that failed transiently are sent again) and its dead letter.
// deliver() completes when every event of the batch is stored or dead-lettered; it returns early only when
// the operation is cancelled (shutdown), and then throws: the caller must not count the batch as delivered.
class sink {
 public:
  virtual ~sink() = default;
  virtual std::string_view name() const = 0;
  virtual boost::asio::awaitable<delivery_report> deliver(const audit::event_batch& batch) = 0;
  // SIGHUP (logrotate): close and reopen any file the sink writes, so a file moved aside is let go and a new
  // one is created at the configured path. Never throws; failures are logged and the sink retries on its
  // own. Sinks without files keep this default.
  virtual boost::asio::awaitable<void> reopen() { co_return; }

  // Where the sink reports its requests, bytes, retries and dead letters (telemetry). Set before the first
  // deliver(); the observer must outlive the sink.
  void set_observer(sink_observer& o) { observer_ = &o; }
  sink_observer& observer() const { return *observer_; }

 private:
  sink_observer* observer_ = &no_sink_observer();
};

}  // namespace sf::sinks
