// check-config: validate the file and print the effective configuration with every secret redacted.
#include "config/config_loader.hpp"
#include "daemon/commands/command.hpp"

#include <iostream>

namespace sf::commands {
namespace {

int check_config(const cli_args& args) {
  auto cfg = load_config_or_report(args);
  if (!cfg) return exit_usage;
  std::cout << config::render_effective_config(*cfg);
  std::cerr << "configuration OK: " << *args.get("--config") << "\n";
  return exit_ok;
}

}  // namespace

const command check_config_command{"check-config", "check-config --config FILE",
                                   "validate FILE and print the effective configuration, secrets redacted",
                                   {{"--config", true}}, check_config};

}  // namespace sf::commands
