// The configuration loader: the YAML file read by the key table (config/keys.cpp), every error at once.
#include "config/config_loader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/key_reader.hpp"
#include "config/keys.hpp"

namespace sf::config {

std::string load_error::to_string() const {
  if (line <= 0 && key_path.empty()) return fmt::format("{}: {}", file, message);
  if (key_path.empty()) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}: {}: {}", file, line, key_path, message);
}

load_result load_config_text(std::string_view yaml, const std::string& file_name, const env_lookup& env) {
  load_result result;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    result.errors.push_back(
        {file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "invalid YAML: " + e.msg});
    return result;
  }
  yaml_walker walker(file_name, env);
  forwarder_config cfg;
  try {
    if (auto top = walker.as_map(root, "", 1)) {
      schema::key_reader reader(walker);
      reader.read_section(schema::forwarder_schema(), *top, &cfg);
    }
  } catch (const YAML::Exception& e) {
    // The walk only reads nodes it has type-checked; this is a safety net, not a path we expect.
    walker.error(e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "invalid YAML: " + e.msg);
  }
  result.errors = walker.take_errors();
  if (result.errors.empty()) result.config = std::move(cfg);
  return result;
}

load_result load_config_file(const std::string& path, const env_lookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int saved = errno;
    return {std::nullopt,
            {{path, 0, "", fmt::format("cannot read the configuration file: {}", std::strerror(saved))}}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return {std::nullopt, {{path, 0, "", "cannot read the configuration file: I/O error"}}};
  return load_config_text(text.str(), path, env);
}

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

}  // namespace sf::config
