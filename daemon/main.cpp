// scaleft-forwarder: dispatches to a subcommand. Config errors exit 2, runtime failures 1.
#include "daemon/commands/command.hpp"
#include "daemon/commands/test_hooks.hpp"

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

void print_usage(std::ostream& out) {
  out << "Usage: scaleft-forwarder <command> [options]\n\n"
         "Forwards ScaleFT (Okta Advanced Server Access) audit events to Elasticsearch and NDJSON files.\n\n"
         "Commands:\n";
  for (const auto& c : sf::commands::all_commands()) out << "  " << c.usage << "\n      " << c.summary << "\n";
  out << "\nOptions:\n  --help       show this help\n  --version    show the version\n\n"
         "Exit status: 0 success, 1 runtime failure, 2 bad usage or configuration.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sf::commands;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr);
    return exit_usage;
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      print_usage(std::cout);
      return exit_ok;
    }
    if (a == "--version") {
      std::cout << "scaleft-forwarder " << SF_VERSION << "\n";
      // Says so when the binary could kill itself on request: such a build must never be shipped.
      if (test_hooks_compiled_in) std::cout << "test hooks: compiled in (a test build, not for production)\n";
      return exit_ok;
    }
  }
  if (auto refusal = unhonoured_test_hook(test_hooks_compiled_in, [](const char* n) { return std::getenv(n); })) {
    std::cerr << "scaleft-forwarder: " << *refusal << "\n";
    return exit_usage;
  }
  if (args[0] == "help") {
    print_usage(std::cout);
    return exit_ok;
  }
  for (const auto& c : all_commands()) {
    if (c.name != args[0]) continue;
    std::string error;
    auto parsed = parse_args(std::vector<std::string>(args.begin() + 1, args.end()), c.options, error);
    if (!parsed) {
      std::cerr << "scaleft-forwarder " << c.name << ": " << error << " (usage: scaleft-forwarder " << c.usage << ")\n";
      return exit_usage;
    }
    return c.run(*parsed);
  }
  std::cerr << "scaleft-forwarder: unknown command '" << args[0] << "' (see --help)\n";
  return exit_usage;
}
