// Fuzz target: the YAML configuration loader (text in, errors or a configuration out) and the effective-
// configuration renderer for whatever loads.
#include "config/config_loader.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // ${VAR} is resolved from a fixed environment, so inputs replay the same way everywhere. (Whether a
  // secret's value can show is not checked here: a fuzzed file puts ${SF_FUZZ_SECRET} into names and
  // paths, which are shown by design; tests/config covers the secret keys.)
  const sf::config::env_lookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SF_FUZZ_SECRET") return std::string("s3cret");
    if (name == "SF_FUZZ_URL") return std::string("https://es.example:9200");
    return std::nullopt;
  };
  const auto r = sf::config::load_config_text(sf::fuzz::as_text(data, size), "fuzz.yaml", env);
  sf::fuzz::check(r.config.has_value() == r.errors.empty(), "a configuration and errors, or neither");
  for (const auto& e : r.errors) sf::fuzz::check(!e.message.empty(), "an error without a message");
  if (r.config) (void)sf::config::render_effective_config(*r.config);
  return 0;
}
