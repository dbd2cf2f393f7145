// The forwarder's main job: pages from the ScaleFT source, through every sink, then the checkpoint.
#pragma once

#include "config/config.hpp"
#include "daemon/ops/telemetry.hpp"
#include "daemon/runtime/task_group.hpp"
#include "daemon/source/scaleft_source.hpp"
#include "sinks/sink.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

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
  // Reads through `source` (which outlives the forwarder) and delivers to `sinks`. Throws
  // std::runtime_error for start-up problems (no sinks, corrupt checkpoint).
  forwarder(boost::asio::any_io_executor ex, const config::forwarder_config& cfg, run_options opts,
            source::scaleft_source& source, std::vector<std::unique_ptr<sinks::sink>> sinks);
  ~forwarder();

  // Spawns the run's tasks into `group`: the key choice first (a rotation a crash interrupted is finished
  // before the first page is asked for), then key rotation, the poll loop, one delivery lane per sink and
  // the committer. A stop ends the poll loop at once (queued pages are fetched again next time: the
  // checkpoint never passed them); each lane finishes the delivery in hand; the committer commits what the
  // lanes delivered, then asks the group to stop (with `once`, that is how a run that caught up ends).
  void start(runtime::task_group& group);

  // After the group has ended: what was delivered and committed (logged as the final progress line).
  run_totals finish();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sf::forwarder
