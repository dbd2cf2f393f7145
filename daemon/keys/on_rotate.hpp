// The on_rotate hook's contract without I/O: its standard input, its environment, what a failure means.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sf::keys {

struct hook_input {
  std::string key_id;
  std::string key_secret;
  std::string team;
  std::string service_user;
  std::string previous_key_id;  // empty when there is none
};

// One JSON object and a newline: {"key_id":..,"key_secret":..,"team":..,"service_user":..,
// "previous_key_id":..}. Holds the secret: only ever written to the hook's standard input.
std::string hook_input_json(const hook_input& in);

// The daemon's environment ("NAME=value" entries) minus every entry whose value holds one of `secrets`
// (a key secret given as ${VAR}, an Elasticsearch password from the environment): the hook gets its own
// credentials (VAULT_TOKEN, KUBECONFIG) from the environment, never the forwarder's. Empty secrets are
// ignored; one shorter than 6 characters drops only a variable that is exactly it. Also drops
// SF_TEST_CRASH_AT, which is meant for the daemon only.
std::vector<std::string> hook_environment(const std::vector<std::string>& environment,
                                          const std::vector<std::string>& secrets);

// The environment of this process as "NAME=value" entries.
std::vector<std::string> process_environment_entries();

}  // namespace sf::keys
