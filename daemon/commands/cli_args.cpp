// Subcommand argument parsing: strict, so that a typo is an error rather than a silently ignored option.
#include "daemon/commands/cli_args.hpp"

namespace sf::commands {

std::optional<cli_args> parse_args(const std::vector<std::string>& args, const std::vector<option_spec>& specs,
                                   std::string& error) {
  cli_args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const option_spec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) {
      error = "unknown argument '" + args[i] + "'";
      return std::nullopt;
    }
    if (!spec->repeatable && out.has(name)) {
      error = name + " given twice";
      return std::nullopt;
    }
    if (spec->takes_value) {
      if (inline_value) {
        out.values.emplace(name, *inline_value);
      } else if (i + 1 < args.size()) {
        out.values.emplace(name, args[++i]);
      } else {
        error = name + " needs a value";
        return std::nullopt;
      }
    } else {
      if (inline_value) {
        error = name + " takes no value";
        return std::nullopt;
      }
      out.values.emplace(name, "");
    }
  }
  return out;
}

}  // namespace sf::commands
