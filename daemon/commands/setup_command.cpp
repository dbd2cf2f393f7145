// setup: install (or --export) the templates, lifecycle and pipeline of each Elasticsearch sink.
#include "daemon/commands/command.hpp"
#include "common/http/client.hpp"
#include "common/log/logger.hpp"
#include "sinks/elasticsearch/bulk.hpp"
#include "sinks/elasticsearch/client_settings.hpp"
#include "sinks/elasticsearch/setup_plan.hpp"
#include "sinks/elasticsearch/setup_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <iostream>

namespace sf::commands {
namespace {

namespace es = sinks::elasticsearch;

boost::asio::awaitable<void> run_one(es::setup_report& out, http::client& client, std::string base,
                                     std::string authorization, const config::elasticsearch_sink_config& cfg) {
  out = co_await es::run_setup(client, base, authorization, cfg);
}

// Runs setup for one sink, trying its URLs in order until one answers. True when nothing was refused.
bool setup_sink(boost::asio::io_context& io, const config::sink_config& sink) {
  const auto& es_cfg = std::get<config::elasticsearch_sink_config>(sink.settings);
  const http::client_options opts = es::client_options_of(es_cfg, sink.name);
  const std::string authorization = es::authorization_value(es_cfg);
  es::setup_report report;
  for (const auto& u : es_cfg.urls) {
    auto origin = http::parse_url(u);
    if (!origin) {
      report.error = "bad url " + u;
      continue;
    }
    http::client client(io.get_executor(), *origin, opts);
    std::exception_ptr failure;
    boost::asio::co_spawn(io, run_one(report, client, origin->target, authorization, es_cfg),
                          [&failure](std::exception_ptr ep) { failure = ep; });
    io.restart();
    io.run();
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        report.error = e.what();
      }
    }
    if (report.error.empty()) break;
    std::cerr << sink.name << ": " << origin->origin() << ": " << report.error << "\n";
  }
  if (!report.version.empty()) std::cout << sink.name << ": Elasticsearch " << report.version << "\n";
  for (const auto& w : report.warnings) std::cout << sink.name << ": warning: " << w << "\n";
  for (const auto& l : report.lines) std::cout << sink.name << ": " << l.kind << " " << l.name << ": " << l.outcome << "\n";
  if (!report.error.empty()) std::cerr << sink.name << ": setup failed: " << report.error << "\n";
  return report.ok();
}

int setup(const cli_args& args) {
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_usage;
  const auto wanted = args.all("--sink");
  std::vector<const config::sink_config*> sinks;
  for (const auto& s : cfg->sinks) {
    if (s.type() != "elasticsearch") continue;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), s.name) == wanted.end()) continue;
    sinks.push_back(&s);
  }
  for (const auto& w : wanted) {
    if (std::none_of(sinks.begin(), sinks.end(), [&](auto* s) { return s->name == w; })) {
      std::cerr << "scaleft-forwarder: no elasticsearch sink named '" << w << "'\n";
      return exit_usage;
    }
  }
  if (sinks.empty()) {
    std::cerr << "scaleft-forwarder: the configuration has no elasticsearch sink\n";
    return exit_usage;
  }
  if (args.has("--export")) {
    std::vector<es::named_sink> named;
    for (const auto* s : sinks) named.push_back({s->name, &std::get<config::elasticsearch_sink_config>(s->settings)});
    std::vector<std::string> warnings;
    std::cout << es::export_json(named, warnings);
    for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
    return exit_ok;
  }
  configure_logging(*cfg);
  boost::asio::io_context io(1);
  bool ok = true;
  for (const auto* s : sinks) ok = setup_sink(io, *s) && ok;
  return ok ? exit_ok : exit_runtime;
}

}  // namespace

const command setup_command{
    "setup",
    "setup --config FILE [--export] [--sink NAME]...",
    "install each Elasticsearch sink's templates, lifecycle and ingest pipeline (--export: print them as JSON)",
    {{"--config", true}, {"--export", false}, {"--sink", true, true}},
    setup};

}  // namespace sf::commands
