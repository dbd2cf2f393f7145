// The forwarder's main job: pages from the ScaleFT source, through every sink, then the checkpoint.
#pragma once

#include "config/config.hpp"
#include "daemon/ops/telemetry.hpp"
#include "sinks/sink.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

namespace sf::forwarder {

struct run_options {
  bool once = false;  // stop once caught up (the first empty page) instead of polling forever
  ops::telemetry* telemetry = nullptr;  // counters for /metrics, /readyz and systemd (the forwarder's own if null)
};

struct run_totals {
  std::uint64_t events = 0;  // events delivered to every sink and committed
  std::uint64_t pages = 0;
  std::uint64_t requests = 0;
};

class forwarder {
 public:
  // Throws std::runtime_error for start-up problems (state directory, CA file, sink files, corrupt checkpoint).
  forwarder(boost::asio::io_context& io, config::forwarder_config cfg, run_options opts,
            std::vector<std::unique_ptr<sinks::sink>> sinks);
  ~forwarder();

  // Runs until a stop is requested (or, with `once`, until caught up). Every event it counts in the result
  // is in every sink and behind the checkpoint.
  boost::asio::awaitable<run_totals> run();

  // Stops polling; the batch being delivered is finished and committed, queued pages are dropped (they are
  // fetched again next time, since the checkpoint never passed them).
  void request_stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sf::forwarder
