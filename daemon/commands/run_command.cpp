// run: the daemon in the foreground: its tasks under one task group, signals, a bounded shutdown grace.
#include "daemon/commands/command.hpp"
#include "daemon/forwarder/forwarder.hpp"
#include "common/log/logger.hpp"
#include "daemon/ops/http_endpoint.hpp"
#include "daemon/ops/routes.hpp"
#include "daemon/ops/systemd_notify.hpp"
#include "daemon/ops/telemetry.hpp"
#include "daemon/runtime/cancellation.hpp"
#include "daemon/runtime/heap.hpp"
#include "daemon/runtime/task_group.hpp"
#include "daemon/source/scaleft_source.hpp"
#include "daemon/state/state_dir.hpp"
#include "sinks/factory.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <functional>

namespace sf::commands {
namespace {

namespace asio = boost::asio;

// Two arenas: the event loop's, and one the worker threads share (bench/README.md has the measurements).
constexpr int heap_arenas = 2;

// The HTTP endpoint as a service of the run: it answers while the run drains (/readyz says "stopping")
// and closes once the last worker has ended.
asio::awaitable<void> serve_endpoint(ops::http_endpoint& endpoint) {
  endpoint.start();
  co_await runtime::until_end();
  endpoint.stop();
}

// systemd as a service of the run: STOPPING=1 at the stop, watchdog pings until the last worker has ended.
asio::awaitable<void> notify_systemd(ops::systemd_notifier& notifier) {
  notifier.start();
  co_await runtime::until_stop();
  notifier.stopping();
  co_await runtime::until_end();
  notifier.stop();
}

int run(const cli_args& args) {
  // Before any thread starts: the event loop, the state thread and the disk threads share few arenas.
  runtime::limit_heap_arenas(heap_arenas);
  auto loaded = load_config_or_report(args);
  if (!loaded) return exit_usage;
  config::forwarder_config cfg = std::move(*loaded);
  configure_logging(cfg);
  if (auto prepared = state::prepare_state_dir(cfg.state_dir); !prepared.ok()) {
    log::error("cannot use the state directory",
               {{"path", cfg.state_dir}, {"error", prepared.result.error().message}});
    return exit_runtime;
  }
  asio::io_context io(1);
  ops::telemetry telemetry;
  std::unique_ptr<source::scaleft_source> source;
  std::unique_ptr<forwarder::forwarder> fwd;
  std::vector<sinks::sink*> sink_list;  // for SIGHUP; the forwarder owns them and outlives io.run()
  std::unique_ptr<ops::http_endpoint> endpoint;
  try {
    source = std::make_unique<source::scaleft_source>(io.get_executor(), cfg, telemetry);
    auto sinks = sinks::make_sinks(cfg, io.get_executor());
    for (const auto& s : sinks) sink_list.push_back(s.get());
    fwd = std::make_unique<forwarder::forwarder>(io.get_executor(), cfg,
                                                 forwarder::run_options{args.has("--once"), &telemetry}, *source,
                                                 std::move(sinks));
    if (!cfg.http.listen.empty()) {
      const auto window = cfg.http.ready_window;
      endpoint = std::make_unique<ops::http_endpoint>(
          io.get_executor(), cfg.http.listen, [&telemetry, window](std::string_view method, std::string_view target) {
            const auto process = ops::read_process_sample();
            return ops::route(telemetry, window, method, target, std::chrono::system_clock::now(),
                              std::chrono::steady_clock::now(), process ? &*process : nullptr);
          });
      log::info("serving /healthz, /readyz and /metrics",
                {{"listen", cfg.http.listen}, {"port", static_cast<std::int64_t>(endpoint->port())}});
    }
  } catch (const std::exception& e) {
    log::error("cannot start", {{"error", e.what()}});
    return exit_runtime;
  }

  // Every long-lived task of the run is in this group. A stop is total cancellation: the poll loop and key
  // rotation end what they await, each lane finishes its delivery, the committer commits what was
  // delivered; after shutdown_grace, terminal cancellation ends what is left. The services end last.
  runtime::task_group group(io.get_executor(), cfg.shutdown_grace);
  group.on_stop = [&telemetry] { telemetry.stopping = true; };
  // READY=1 waits for the first authentication; WATCHDOG=1 comes from this event loop, so a stuck loop is
  // restarted by systemd.
  ops::systemd_notifier notifier(io.get_executor(), telemetry);
  group.spawn("systemd notify", notify_systemd(notifier), runtime::task_role::service);
  if (endpoint) group.spawn("http endpoint", serve_endpoint(*endpoint), runtime::task_role::service);
  fwd->start(group);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (group.stopping()) {
        // A second signal: end now. The checkpoint file is always whole (atomic rename) and behind the
        // sinks; whatever was in flight is fetched again next time.
        log::warn("second signal; ending at once", {{"signal", signo}});
        group.end();
      } else {
        log::info("stopping: finishing the batch in flight",
                  {{"signal", signo},
                   {"grace_s", std::chrono::duration_cast<std::chrono::seconds>(cfg.shutdown_grace).count()}});
        group.stop();
      }
      wait_signal();
    });
  };
  wait_signal();

  // SIGHUP (logrotate's postrotate): every sink reopens its files; sinks order this with their writes.
  asio::signal_set hangup(io, SIGHUP);
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      log::info("SIGHUP: reopening the sink files", {{"sinks", sink_list.size()}});
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            for (sinks::sink* s : sink_list) co_await s->reopen();
          },
          [](std::exception_ptr ep) {
            if (ep) log::error("SIGHUP: reopening the sinks failed");
          });
      wait_hangup();
    });
  };
  wait_hangup();

  asio::co_spawn(io, group.join(), [&](std::exception_ptr) {
    signals.cancel();
    hangup.cancel();
  });
  io.run();
  fwd->finish();
  if (group.failed()) {
    log::error("the forwarder stopped after a failure (see the log above)");
    return exit_runtime;
  }
  // Ended by the grace: the batches in flight were abandoned (the checkpoint is behind them).
  return group.grace_expired() ? exit_runtime : exit_ok;
}

}  // namespace

const command run_command{"run", "run --config FILE [--once]",
                          "run the forwarder in the foreground; --once exits when caught up",
                          {{"--config", true}, {"--once", false}}, run};

}  // namespace sf::commands
