// Fuzz target: the YAML configuration loader (text in, errors or a configuration out) and the effective-
// configuration renderer for whatever loads.
#include "config/config_loader.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // ${VAR} is resolved from a fixed environment, so inputs replay the same way everywhere.
  const sf::config::env_lookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SF_FUZZ_SECRET") return std::string("s3cret");
    if (name == "SF_FUZZ_URL") return std::string("https://es.example:9200");
    return std::nullopt;
  };
  const auto text = sf::fuzz::as_text(data, size);
  const auto r = sf::config::load_config_text(text, "fuzz.yaml", env);
  sf::fuzz::check(r.config.has_value() == r.errors.empty(), "a configuration and errors, or neither");
  // The secret's value may only show when the input itself holds it (quoted as a key name, say); what came
  // from the environment never does.
  const bool secret_in_text = text.find("s3cret") != std::string_view::npos;
  for (const auto& e : r.errors) {
    sf::fuzz::check(!e.message.empty(), "an error without a message");
    if (!secret_in_text) {
      sf::fuzz::check(e.to_string().find("s3cret") == std::string::npos, "an error shows a secret's value");
    }
  }
  if (r.config && !secret_in_text) {
    const std::string effective = sf::config::render_effective_config(*r.config);
    sf::fuzz::check(effective.find("s3cret") == std::string::npos, "the effective config shows a secret");
  }
  return 0;
}
