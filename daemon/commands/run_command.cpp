// run: the daemon in the foreground, with signal handling and a bounded shutdown grace.
#include "daemon/commands/command.hpp"
#include "daemon/forwarder/forwarder.hpp"
#include "common/log/logger.hpp"
#include "daemon/ops/http_endpoint.hpp"
#include "daemon/ops/routes.hpp"
#include "daemon/ops/systemd_notify.hpp"
#include "daemon/ops/telemetry.hpp"
#include "daemon/state/state_dir.hpp"
#include "sinks/factory.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstdlib>
#include <functional>

namespace sf::commands {
namespace {

int run(const cli_args& args) {
  auto loaded = load_config_or_report(args);
  if (!loaded) return exit_usage;
  config::forwarder_config cfg = std::move(*loaded);
  configure_logging(cfg);
  if (auto prepared = state::prepare_state_dir(cfg.state_dir); !prepared.ok()) {
    log::error("cannot use the state directory",
               {{"path", cfg.state_dir}, {"error", prepared.result.error().message}});
    return exit_runtime;
  }
  boost::asio::io_context io(1);
  ops::telemetry telemetry;
  std::unique_ptr<forwarder::forwarder> fwd;
  std::vector<sinks::sink*> sink_list;  // for SIGHUP; the forwarder owns them and outlives io.run()
  std::unique_ptr<ops::http_endpoint> endpoint;
  try {
    auto sinks = sinks::make_sinks(cfg, io.get_executor());
    for (const auto& s : sinks) sink_list.push_back(s.get());
    fwd = std::make_unique<forwarder::forwarder>(io, cfg, forwarder::run_options{args.has("--once"), &telemetry},
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
  if (endpoint) endpoint->start();
  // READY=1 waits for the first authentication; WATCHDOG=1 comes from this event loop, so a stuck loop is
  // restarted by systemd.
  ops::systemd_notifier notifier(io.get_executor(), telemetry);
  notifier.start();

  int exit_code = exit_ok;
  int signals_seen = 0;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer grace(io);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (++signals_seen > 1) {
        // A second signal: leave now. The checkpoint file is always whole (atomic rename), so it stays
        // consistent; whatever was in flight is fetched again next time.
        log::warn("second signal; exiting at once", {{"signal", signo}});
        std::_Exit(exit_runtime);
      }
      log::info("stopping: finishing the batch in flight",
                {{"signal", signo},
                 {"grace_s", std::chrono::duration_cast<std::chrono::seconds>(cfg.shutdown_grace).count()}});
      telemetry.stopping = true;
      notifier.stopping();
      fwd->request_stop();
      grace.expires_after(cfg.shutdown_grace);
      grace.async_wait([&](const boost::system::error_code& gec) {
        if (gec) return;
        log::error("shutdown grace expired; exiting with the last committed checkpoint");
        std::_Exit(exit_runtime);
      });
      wait_signal();
    });
  };
  wait_signal();

  // SIGHUP (logrotate's postrotate): every sink reopens its files; sinks order this with their writes.
  boost::asio::signal_set hangup(io, SIGHUP);
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      log::info("SIGHUP: reopening the sink files", {{"sinks", sink_list.size()}});
      boost::asio::co_spawn(
          io,
          [&]() -> boost::asio::awaitable<void> {
            for (sinks::sink* s : sink_list) co_await s->reopen();
          },
          [](std::exception_ptr ep) {
            if (ep) log::error("SIGHUP: reopening the sinks failed");
          });
      wait_hangup();
    });
  };
  wait_hangup();

  boost::asio::co_spawn(io, fwd->run(), [&](std::exception_ptr ep, forwarder::run_totals) {
    if (ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        log::error("the forwarder failed", {{"error", e.what()}});
      }
      exit_code = exit_runtime;
    }
    signals.cancel();
    hangup.cancel();
    grace.cancel();
    if (!telemetry.stopping) {
      telemetry.stopping = true;
      notifier.stopping();
    }
    notifier.stop();
    if (endpoint) endpoint->stop();
  });
  io.run();
  return exit_code;
}

}  // namespace

const command run_command{"run", "run --config FILE [--once]",
                          "run the forwarder in the foreground; --once exits when caught up",
                          {{"--config", true}, {"--once", false}}, run};

}  // namespace sf::commands
