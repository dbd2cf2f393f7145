// Command-line arguments of one subcommand: named options checked against what the command accepts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sf::commands {

struct option_spec {
  std::string name;        // "--config"
  bool takes_value;        // "--config FILE" vs "--once"
  bool repeatable = false;
};

struct cli_args {
  std::multimap<std::string, std::string> values;  // option -> value ("" for flags)
  bool has(const std::string& opt) const { return values.count(opt) > 0; }
  std::optional<std::string> get(const std::string& opt) const {
    auto it = values.find(opt);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::vector<std::string> all(const std::string& opt) const {
    std::vector<std::string> out;
    for (auto [it, end] = values.equal_range(opt); it != end; ++it) out.push_back(it->second);
    return out;
  }
};

// Parses `args` (after the command name) against `specs`; `--opt=value` and `--opt value` both work.
// On error returns nullopt and sets `error` to one line naming the offending argument.
std::optional<cli_args> parse_args(const std::vector<std::string>& args, const std::vector<option_spec>& specs,
                                   std::string& error);

}  // namespace sf::commands
