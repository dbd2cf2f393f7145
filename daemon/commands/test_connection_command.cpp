// test-connection: every target of the configuration checked step by step (source, each sink), printed one
// line per step (or --json). Exit 0 only when no check failed, 1 otherwise, 2 for a bad configuration.
#include "common/log/logger.hpp"
#include "daemon/commands/command.hpp"
#include "daemon/connection_test/check_report.hpp"
#include "daemon/connection_test/probes.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <iostream>

namespace sf::commands {
namespace {

namespace asio = boost::asio;
namespace ct = connection_test;

asio::awaitable<void> probe_all(const config::forwarder_config& cfg, std::int64_t now,
                                std::vector<ct::target_report>& out) {
  // Named results: GCC 12 mishandles a co_await whose result is passed on as a temporary.
  ct::target_report source = co_await ct::probe_source(cfg, now);
  out.push_back(std::move(source));
  for (const auto& sink : cfg.sinks) {
    if (const auto* es = std::get_if<config::elasticsearch_sink_config>(&sink.settings)) {
      for (std::size_t i = 0; i < es->urls.size(); ++i) {
        ct::target_report one = co_await ct::probe_elasticsearch(sink.name, *es, es->urls[i], now);
        // Several URLs: each is checked, and its lines say which one ("elk[2]"); the endpoint names it in full.
        if (es->urls.size() > 1) one.name += "[" + std::to_string(i + 1) + "]";
        out.push_back(std::move(one));
      }
    } else {
      out.push_back(ct::probe_file(sink.name, std::get<config::file_sink_config>(sink.settings)));
    }
  }
}

int test_connection(const cli_args& args) {
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_usage;
  // The checks say what went wrong; the log would only repeat it (retry notices, token mints) on stderr.
  log::configure(log::level::error, log::format::text);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  asio::io_context io(1);
  std::vector<ct::target_report> reports;
  std::exception_ptr failure;
  asio::co_spawn(io, probe_all(*cfg, now, reports), [&failure](std::exception_ptr ep) { failure = ep; });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      std::cerr << "scaleft-forwarder test-connection: " << e.what() << "\n";
    }
    return exit_runtime;
  }
  std::cout << (args.has("--json") ? ct::render_json(reports) : ct::render_text(reports));
  return ct::all_passed(reports) ? exit_ok : exit_runtime;
}

}  // namespace

const command test_connection_command{
    "test-connection", "test-connection --config FILE [--json]",
    "check the source and every sink step by step (DNS, TCP, proxy, TLS, authentication, privileges, "
    "directory); exit 0 only when all pass",
    {{"--config", true}, {"--json", false}},
    test_connection};

}  // namespace sf::commands
