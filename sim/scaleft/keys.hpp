// Service users, their API keys and the bearer tokens minted from them, with the expiry rules of the spec.
#pragma once

#include "sim/scaleft/rng.hpp"
#include "sim/scaleft/sim_time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sfsim::scaleft {

constexpr nanos never = 0;  // expires_at of a key without expiry; rendered "0001-01-01T00:00:00Z"

struct api_key {
  std::string id;  // UUID
  std::string user;
  std::string secret;
  nanos issued_at = 0;
  nanos expires_at = never;
  std::optional<nanos> last_used;
  bool deleted = false;
};

struct token_info {
  std::string user;
  std::string key_id;
  nanos expires_at = 0;
  bool revoked = false;
};

// Pure rules.
// A key works until it is deleted or its expiry has passed.
bool key_usable(const api_key& key, nanos now);
// The expiry a rotation gives an older key: now + rotation, unless it already expires sooner.
nanos rotated_expiry(nanos current, nanos now, nanos rotation);
// "0001-01-01T00:00:00Z" for never, else RFC 3339 with nanoseconds.
std::string format_key_time(nanos t);
// A bearer token is good while unexpired, unrevoked and its key still usable.
bool token_usable(const token_info& token, const api_key* key, nanos now);

class key_registry {
 public:
  // Key ids follow the seed (reproducible runs); secrets and tokens come from the OS, so knowing the seed
  // does not give away a credential.
  explicit key_registry(std::uint64_t seed);

  void add_user(std::string name, std::vector<std::string> roles);
  bool has_user(std::string_view name) const { return users_.count(std::string(name)) != 0; }
  bool has_role(std::string_view user, std::string_view role) const;
  bool has_any_role(std::string_view user) const {
    auto it = users_.find(std::string(user));
    return it != users_.end() && !it->second.empty();
  }
  const std::map<std::string, std::vector<std::string>>& users() const { return users_; }

  // Creates a key (secret included) and shortens the expiry of the user's other keys.
  const api_key& create_key(const std::string& user, nanos now, nanos rotation);
  // false if no such live key of that user; otherwise revokes it and every token minted from it.
  bool delete_key(const std::string& user, const std::string& key_id, nanos now);
  // Keys of a user that still work, oldest first.
  std::vector<const api_key*> live_keys(const std::string& user, nanos now) const;
  const std::vector<api_key>& all_keys() const { return keys_; }
  const api_key* find_key(std::string_view id) const;

  // Key id + secret -> a bearer token; nullopt for unknown, expired or deleted keys and wrong secrets.
  std::optional<std::string> exchange(std::string_view key_id, std::string_view secret, std::string_view team,
                                      nanos now, nanos lifetime);
  // The token's record if it may be used now.
  const token_info* authenticate(std::string_view token, nanos now) const;
  const token_info* find_token(std::string_view token) const;
  void expire_token(std::string_view token, nanos now);
  std::size_t expire_all_tokens(nanos now);
  std::size_t live_tokens(nanos now) const;

 private:
  std::string random_secret(std::size_t bytes, bool url);
  std::string new_uuid();
  api_key* find_key_mut(std::string_view id);

  sim_rng rng_;
  sim_rng secret_rng_;
  std::map<std::string, std::vector<std::string>> users_;
  std::vector<api_key> keys_;
  std::unordered_map<std::string, token_info> tokens_;
};

}  // namespace sfsim::scaleft
