// What the configuration tests share: an environment from a map, a load's errors as text, its one error.
#pragma once

#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace sf::config::test {

inline env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline std::string all_errors(const load_result& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

// The single error expected from a load of a config with one mistake.
inline load_error only_error_of(const load_result& r) {
  EXPECT_FALSE(r.config.has_value());
  EXPECT_EQ(r.errors.size(), 1u) << all_errors(r);
  return r.errors.empty() ? load_error{} : r.errors.front();
}

}  // namespace sf::config::test
