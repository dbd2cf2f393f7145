// backfill: ships every event of a past time window to the chosen sinks, resumable, beside the daemon.
#include "common/time/rfc3339.hpp"
#include "daemon/backfill/backfill.hpp"
#include "daemon/backfill/report.hpp"
#include "daemon/commands/command.hpp"
#include "common/log/logger.hpp"
#include "daemon/runtime/task_group.hpp"
#include "daemon/source/scaleft_source.hpp"
#include "daemon/state/state_dir.hpp"
#include "sinks/factory.hpp"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace sf::commands {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The sinks named by --sink (all when none), in configuration order. Empty with `error` on an unknown name.
std::vector<config::sink_config> chosen_sinks(const config::forwarder_config& cfg,
                                              const std::vector<std::string>& names, std::string& error) {
  if (names.empty()) return cfg.sinks;
  for (const auto& n : names) {
    if (std::none_of(cfg.sinks.begin(), cfg.sinks.end(), [&](const auto& s) { return s.name == n; })) {
      error = "no sink named '" + n + "' in the configuration";
      return {};
    }
  }
  std::vector<config::sink_config> out;
  for (const auto& s : cfg.sinks)
    if (std::find(names.begin(), names.end(), s.name) != names.end()) out.push_back(s);
  return out;
}

// The job as a task of the group; `out` holds its result when it returned one.
boost::asio::awaitable<void> run_job(backfill::job& job, std::optional<backfill::job_result>& out) {
  out = co_await job.run();
}

int backfill(const cli_args& args) {
  auto loaded = load_config_or_report(args);
  if (!loaded) return exit_usage;
  config::forwarder_config cfg = std::move(*loaded);
  configure_logging(cfg);

  const auto since_text = args.get("--since").value_or("");
  const auto since = time::parse_rfc3339_ns(since_text);
  if (!since) {
    std::cerr << "scaleft-forwarder: --since needs an RFC 3339 time (e.g. 2024-05-01T00:00:00Z), got '"
              << since_text << "'\n";
    return exit_usage;
  }
  backfill::job_options opts;
  opts.window.since_ns = *since;
  if (auto until_text = args.get("--until")) {
    auto until = time::parse_rfc3339_ns(*until_text);
    if (!until) {
      std::cerr << "scaleft-forwarder: --until needs an RFC 3339 time, got '" << *until_text << "'\n";
      return exit_usage;
    }
    opts.window.until_ns = *until;
    opts.until_spec = std::to_string(*until);
  } else {
    opts.window.until_ns = now_ns();
    opts.until_spec = "now";
  }
  if (opts.window.until_ns <= opts.window.since_ns) {
    std::cerr << "scaleft-forwarder: --until must be later than --since\n";
    return exit_usage;
  }
  std::string error;
  cfg.sinks = chosen_sinks(cfg, args.all("--sink"), error);
  if (cfg.sinks.empty()) {
    std::cerr << "scaleft-forwarder: " << (error.empty() ? "no sinks configured" : error) << "\n";
    return exit_usage;
  }
  for (const auto& s : cfg.sinks) opts.sink_names.push_back(s.name);
  opts.restart = args.has("--restart");

  if (auto prepared = state::prepare_state_dir(cfg.state_dir); !prepared.ok()) {
    std::cerr << "scaleft-forwarder: cannot use the state directory: " << prepared.result.error().message
              << "\n";
    return exit_runtime;
  }
  opts.progress_file = std::filesystem::path(cfg.state_dir) / "backfill" /
                       backfill::progress_file_name(opts.window.since_ns, opts.until_spec, opts.sink_names);

  boost::asio::io_context io(1);
  std::unique_ptr<source::scaleft_source> source;
  std::unique_ptr<backfill::job> job;
  try {
    source = std::make_unique<source::scaleft_source>(io.get_executor(), cfg);
    // With key rotation the live key is the one the daemon keeps in the state directory; the backfill only
    // reads it, again after a 401 (it never rotates: that stays the daemon's job).
    if (cfg.key_rotation.enabled) source->follow_key_on_record();
    auto sinks = sinks::make_sinks(cfg, io.get_executor());
    job = std::make_unique<backfill::job>(io.get_executor(), cfg, opts, *source, std::move(sinks));
  } catch (const std::exception& e) {
    log::error("cannot start the backfill", {{"error", e.what()}});
    return exit_runtime;
  }
  backfill::progress_display display(isatty(STDERR_FILENO) == 1, stderr, std::chrono::seconds(5));
  job->on_progress = [&display](const backfill::job_view& v) { display.update(v); };

  // The job is the one task of the group: a stop ends the page request in progress and lets the batch
  // being delivered finish; after shutdown_grace what is left is ended (the progress file stays behind it).
  runtime::task_group group(io.get_executor(), cfg.shutdown_grace);
  std::optional<backfill::job_result> result;
  group.spawn("backfill", run_job(*job, result));

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (group.stopping()) {
        // The progress file is always whole (atomic rename): the next run continues from it.
        group.end();
      } else {
        display.finish();
        log::info("stopping the backfill after the batch in flight", {{"signal", signo}});
        group.stop();
      }
      wait_signal();
    });
  };
  wait_signal();

  int exit_code = exit_runtime;
  boost::asio::co_spawn(io, group.join(), [&](std::exception_ptr) {
    signals.cancel();
    display.finish();
    if (!result) return;  // failed (logged by the group) or ended before it could finish
    const backfill::job_result& r = *result;
    std::cout << backfill::summary_text(r, cfg.source.page_size) << std::flush;
    const auto& p = r.progress;
    std::string per_sink;
    for (const auto& s : p.per_sink)
      per_sink += fmt::format("{}{}:stored={},duplicates={},dead_lettered={}", per_sink.empty() ? "" : " ",
                              s.name, s.stored, s.duplicates, s.dead_lettered);
    log::info(r.what == backfill::job_result::kind::completed ? "backfill complete" : "backfill interrupted",
              {{"events", p.events},
               {"pages", p.pages},
               {"requests", p.requests},
               {"search_requests", p.search_requests},
               {"minimum_requests", backfill::minimum_requests(p.events, cfg.source.page_size)},
               {"duration_s", p.elapsed_s},
               {"events_per_s", p.elapsed_s > 0 ? static_cast<double>(p.events) / p.elapsed_s : 0.0},
               {"sinks", per_sink}});
    exit_code = r.what == backfill::job_result::kind::completed ? exit_ok : exit_runtime;
  });
  io.run();
  return exit_code;
}

}  // namespace

const command backfill_command{
    "backfill",
    "backfill --config FILE --since TIME [--until TIME] [--sink NAME]... [--restart]",
    "ship the events of a past time window to the sinks (resumable; the daemon's checkpoint is not touched)",
    {{"--config", true}, {"--since", true}, {"--until", true}, {"--sink", true, true}, {"--restart", false}},
    backfill};

}  // namespace sf::commands
