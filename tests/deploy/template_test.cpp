// deploy/elasticsearch/setup-export.json is exactly what `setup --export` prints for the example config.
#include "config/config_loader.hpp"
#include "sinks/elasticsearch/setup_plan.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DeployTemplate, SetupExportOfTheExampleConfigIsTheShippedFile) {
  // The example reads its secrets from ${CREDENTIALS_DIRECTORY}: give it a directory holding them.
  const sf::test::temp_dir dir("sf-deploy-template");
  for (const char* f : {"sft-key-secret", "es-api-key"}) dir.write(f, "placeholder\n");
  const auto env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "CREDENTIALS_DIRECTORY") return dir.path().string();
    if (name == "SFT_KEY_ID") return std::string("placeholder-key-id");
    return std::nullopt;
  };
  auto loaded = sf::config::load_config_file(SF_SOURCE_DIR "/config/forwarder.example.yaml", env);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors[0].to_string();
  std::vector<sf::sinks::elasticsearch::named_sink> sinks;
  for (const auto& s : loaded.config->sinks)
    if (const auto* es = std::get_if<sf::config::elasticsearch_sink_config>(&s.settings))
      sinks.push_back({s.name, es});
  ASSERT_FALSE(sinks.empty());
  std::vector<std::string> warnings;
  const std::string exported = sf::sinks::elasticsearch::export_json(sinks, warnings);
  EXPECT_TRUE(warnings.empty());
  const std::string shipped = read(SF_SOURCE_DIR "/deploy/elasticsearch/setup-export.json");
  EXPECT_EQ(shipped, exported) << "regenerate: scaleft-forwarder setup --export --config "
                                  "config/forwarder.example.yaml > deploy/elasticsearch/setup-export.json";
}

}  // namespace
