// The subcommands of scaleft-forwarder: each is a name, its options, a one-line summary and a function.
#pragma once

#include "config/config.hpp"
#include "daemon/commands/cli_args.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sf::commands {

inline constexpr int exit_ok = 0;
inline constexpr int exit_runtime = 1;
inline constexpr int exit_usage = 2;

struct command {
  std::string name;
  std::string usage;    // e.g. "run --config FILE [--once]"
  std::string summary;  // one line for --help
  std::vector<option_spec> options;
  int (*run)(const cli_args& args);
};

// Every command, in the order --help lists them. Each command's file defines its own `command` value.
const std::vector<command>& all_commands();

// Loads and validates --config; prints every error and returns nullopt when it is invalid.
std::optional<config::forwarder_config> load_config_or_report(const cli_args& args);

// Applies the configured log level and format.
void configure_logging(const config::forwarder_config& cfg);

// The commands (one file each).
extern const command run_command;
extern const command check_config_command;
extern const command rotate_key_command;
extern const command status_command;
extern const command backfill_command;
extern const command setup_command;
extern const command test_connection_command;

}  // namespace sf::commands
