// The command table and what the commands share: loading the configuration, setting up logging.
#include "daemon/commands/command.hpp"

#include "config/config_loader.hpp"
#include "common/log/logger.hpp"

#include <iostream>

namespace sf::commands {

const std::vector<command>& all_commands() {
  static const std::vector<command> commands = {run_command, check_config_command, rotate_key_command, status_command,
                                                 backfill_command, setup_command, test_connection_command};
  return commands;
}

std::optional<config::forwarder_config> load_config_or_report(const cli_args& args) {
  auto path = args.get("--config");
  if (!path) {
    std::cerr << "scaleft-forwarder: --config FILE is required\n";
    return std::nullopt;
  }
  auto result = config::load_config_file(*path, config::process_environment());
  if (!result.errors.empty()) {
    for (const auto& e : result.errors) std::cerr << e.to_string() << "\n";
    std::cerr << "scaleft-forwarder: " << result.errors.size() << " configuration error"
              << (result.errors.size() == 1 ? "" : "s") << " in " << *path << "\n";
    return std::nullopt;
  }
  return std::move(result.config);
}

void configure_logging(const config::forwarder_config& cfg) {
  log::configure(static_cast<log::level>(cfg.log.min_level),
                 cfg.log.style == config::log_config::format::json ? log::format::json : log::format::text);
}

}  // namespace sf::commands
