// Loading the YAML configuration file into forwarder_config, with every error reported at once.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/effective_config.hpp"  // render_effective_config, check-config's output
#include "config/validators.hpp"        // cloud_id_to_url, is_loopback_host

namespace sf::config {

struct load_error {
  std::string file;
  int line = 0;                   // 1-based; 0 when the error is about the file as a whole
  std::string key_path;           // e.g. "sinks[0].path"; empty when the error is about the file as a whole
  std::string message;            // never contains a secret's value
  std::string to_string() const;  // "file:line: key.path: message"
};

// `config` is set only when `errors` is empty.
struct load_result {
  std::optional<forwarder_config> config;
  std::vector<load_error> errors;
};

// Environment look-up used for ${VAR} and ${VAR:-default}; injectable so tests need no setenv.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

load_result load_config_text(std::string_view yaml, const std::string& file_name, const env_lookup& env);
// An unreadable file or invalid YAML gives exactly one error.
load_result load_config_file(const std::string& path, const env_lookup& env);
env_lookup process_environment();

}  // namespace sf::config
