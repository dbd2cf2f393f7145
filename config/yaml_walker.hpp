// Walking the YAML tree: maps with their lines, unknown keys with a suggestion, ${VAR} expansion, errors.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_loader.hpp"

namespace sf::config {

// "a map", "a list", "a single value" or "nothing": how messages name what was found.
std::string type_name(const YAML::Node& n);
// The 1-based line of `n`, or `fallback` when the node has none.
int line_of(const YAML::Node& n, int fallback);
// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// One key of a YAML map, with the lines to blame.
struct entry {
  std::string key;
  YAML::Node value;
  int key_line = 0;
  int value_line = 0;
};

// A YAML map after key checks; `line` is where a missing key is reported (the line of the map's own key).
struct map_view {
  std::string path;
  int line = 1;
  std::vector<entry> entries;

  const entry* find(std::string_view key) const;
  // A key given with a null value (`ca_file:`) counts as not given: the default applies.
  const entry* given(std::string_view key) const;
  std::string child(std::string_view key) const;
  // The line of the key's value, or the map's line when the key is absent.
  int line_of_key(std::string_view key) const;
};

struct expanded {
  std::string text;
  bool from_env = false;
};

// Collects every error of one file; reads maps and scalars, expanding ${VAR} from `env`.
class yaml_walker {
 public:
  yaml_walker(std::string file, const env_lookup& env) : file_(std::move(file)), env_(env) {}

  void error(int line, std::string path, std::string message);
  std::size_t error_count() const { return errors_.size(); }
  // The errors sorted by line (stable: errors on one line stay in the order found).
  std::vector<load_error> take_errors();
  const env_lookup& env() const { return env_; }

  // Checks that `node` is a map (null counts as empty) and records its keys; duplicates are errors.
  std::optional<map_view> as_map(const YAML::Node& node, const std::string& path, int line);
  // Reports and drops every key not in `allowed`, suggesting the nearest allowed key for a typo.
  void reject_unknown(map_view& view, const std::vector<std::string_view>& allowed, std::string_view what);
  // Expands ${VAR} and ${VAR:-default}; `$${` is a literal `${`. Unset variables without default are errors.
  std::optional<expanded> expand(std::string_view in, int line, const std::string& path);
  // The expanded scalar at `key`, nullopt when absent (reported if `required`) or invalid (reported).
  std::optional<expanded> scalar(const map_view& m, std::string_view key, bool required,
                                 std::string_view what = "a string");
  // A string at `key`; `required`: must be given and not empty. False when absent or reported.
  bool get_string(const map_view& m, std::string_view key, std::string& out, bool required = false);

 private:
  std::string file_;
  const env_lookup& env_;
  std::vector<load_error> errors_;
};

}  // namespace sf::config
