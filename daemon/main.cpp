// scaleft-forwarder: the command line. Start-up errors print one clear line; config errors exit 2, runtime 1.
#include "config/config_loader.hpp"
#include "daemon/forwarder/forwarder.hpp"
#include "daemon/log/logger.hpp"
#include "daemon/state/state_dir.hpp"
#include "sinks/factory.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr int exit_ok = 0;
constexpr int exit_runtime = 1;
constexpr int exit_usage = 2;

const char* usage_text =
    "Usage: scaleft-forwarder <command> [options]\n"
    "\n"
    "Forwards ScaleFT (Okta Advanced Server Access) audit events to Elasticsearch and NDJSON files.\n"
    "\n"
    "Commands:\n"
    "  run --config FILE [--once]   run the forwarder in the foreground; --once stops when caught up\n"
    "  check-config --config FILE   validate FILE and print the effective configuration, secrets redacted\n"
    "\n"
    "Options:\n"
    "  --help       show this help\n"
    "  --version    show the version\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or configuration.\n";

struct cli {
  std::string command;
  std::string config_path;
  bool once = false;
};

std::optional<cli> parse_cli(int argc, char** argv, int& exit_code) {
  cli c;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << usage_text;
    exit_code = exit_usage;
    return std::nullopt;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h" || a == "help") {
      std::cout << usage_text;
      exit_code = exit_ok;
      return std::nullopt;
    }
    if (a == "--version") {
      std::cout << "scaleft-forwarder " << SF_VERSION << "\n";
      exit_code = exit_ok;
      return std::nullopt;
    }
    if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) {
        std::cerr << "scaleft-forwarder: --config needs a file name\n";
        exit_code = exit_usage;
        return std::nullopt;
      }
      c.config_path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      c.config_path = a.substr(9);
    } else if (a == "--once") {
      c.once = true;
    } else if (c.command.empty() && a.rfind("-", 0) != 0) {
      c.command = a;
    } else {
      std::cerr << "scaleft-forwarder: unknown argument '" << a << "' (see --help)\n";
      exit_code = exit_usage;
      return std::nullopt;
    }
  }
  if (c.command != "run" && c.command != "check-config") {
    std::cerr << "scaleft-forwarder: unknown command '" << c.command << "' (see --help)\n";
    exit_code = exit_usage;
    return std::nullopt;
  }
  if (c.config_path.empty()) {
    std::cerr << "scaleft-forwarder: " << c.command << " needs --config FILE\n";
    exit_code = exit_usage;
    return std::nullopt;
  }
  if (c.once && c.command != "run") {
    std::cerr << "scaleft-forwarder: --once goes with run\n";
    exit_code = exit_usage;
    return std::nullopt;
  }
  return c;
}

std::optional<sf::config::forwarder_config> load(const std::string& path) {
  auto result = sf::config::load_config_file(path, sf::config::process_environment());
  if (!result.errors.empty()) {
    for (const auto& e : result.errors) std::cerr << e.to_string() << "\n";
    std::cerr << "scaleft-forwarder: " << result.errors.size() << " configuration error"
              << (result.errors.size() == 1 ? "" : "s") << " in " << path << "\n";
    return std::nullopt;
  }
  return std::move(result.config);
}

int run(sf::config::forwarder_config cfg, bool once) {
  using namespace sf;
  log::configure(static_cast<log::level>(cfg.log.min_level),
                 cfg.log.style == config::log_config::format::json ? log::format::json : log::format::text);
  if (auto err = state::prepare_state_dir(cfg.state_dir); !err.empty()) {
    log::error("cannot use the state directory", {{"path", cfg.state_dir}, {"error", err}});
    return exit_runtime;
  }
  boost::asio::io_context io(1);
  std::unique_ptr<forwarder::forwarder> fwd;
  try {
    auto sinks = sinks::make_sinks(cfg, io.get_executor());
    fwd = std::make_unique<forwarder::forwarder>(io, cfg, forwarder::run_options{once}, std::move(sinks));
  } catch (const std::exception& e) {
    log::error("cannot start", {{"error", e.what()}});
    return exit_runtime;
  }

  int exit_code = exit_ok;
  int signals_seen = 0;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer grace(io);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (++signals_seen > 1) {
        // A second signal: leave now. The checkpoint file is always whole (atomic rename), so it stays consistent.
        log::warn("second signal; exiting at once", {{"signal", signo}});
        std::_Exit(exit_runtime);
      }
      log::info("stopping: finishing the batch in flight", {{"signal", signo},
                 {"grace_s", std::chrono::duration_cast<std::chrono::seconds>(cfg.shutdown_grace).count()}});
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
    grace.cancel();
  });
  io.run();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = exit_ok;
  auto args = parse_cli(argc, argv, exit_code);
  if (!args) return exit_code;
  auto cfg = load(args->config_path);
  if (!cfg) return exit_usage;
  if (args->command == "check-config") {
    std::cout << sf::config::render_effective_config(*cfg);
    std::cerr << "configuration OK: " << args->config_path << "\n";
    return exit_ok;
  }
  return run(std::move(*cfg), args->once);
}
