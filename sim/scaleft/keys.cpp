// Service users, their API keys and the bearer tokens minted from them, with the expiry rules of the spec.
#include "sim/scaleft/keys.hpp"

#include "sim/scaleft/encoding.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace sfsim::scaleft {

bool key_usable(const api_key& key, nanos now) {
  return !key.deleted && (key.expires_at == never || now < key.expires_at);
}

nanos rotated_expiry(nanos current, nanos now, nanos rotation) {
  const nanos proposed = now + rotation;
  if (current != never && current <= proposed) return current;
  return proposed;
}

std::string format_key_time(nanos t) {
  return t == never ? std::string("0001-01-01T00:00:00Z") : format_rfc3339_nanos(t);
}

bool token_usable(const token_info& token, const api_key* key, nanos now) {
  return !token.revoked && now < token.expires_at && key != nullptr && key_usable(*key, now);
}

key_registry::key_registry(std::uint64_t seed)
    : rng_(seed ^ 0x6b657973ULL),
      secret_rng_((std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {}

void key_registry::add_user(std::string name, std::vector<std::string> roles) {
  users_[std::move(name)] = std::move(roles);
}

bool key_registry::has_role(std::string_view user, std::string_view role) const {
  auto it = users_.find(std::string(user));
  if (it == users_.end()) return false;
  return std::find(it->second.begin(), it->second.end(), role) != it->second.end();
}

std::string key_registry::random_secret(std::size_t bytes, bool url) {
  std::vector<std::uint8_t> raw(bytes);
  for (auto& b : raw) b = static_cast<std::uint8_t>(secret_rng_.next() >> 56);
  if (url) return base64url_nopad(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  return base64(raw);
}

std::string key_registry::new_uuid() {
  return rng_.uuid_v4();
}

api_key* key_registry::find_key_mut(std::string_view id) {
  for (auto& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

const api_key* key_registry::find_key(std::string_view id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

const api_key& key_registry::create_key(const std::string& user, nanos now, nanos rotation) {
  for (auto& k : keys_) {
    if (k.user == user && key_usable(k, now)) k.expires_at = rotated_expiry(k.expires_at, now, rotation);
  }
  api_key key;
  key.id = new_uuid();
  key.user = user;
  key.secret = random_secret(48, false);
  key.issued_at = now;
  keys_.push_back(std::move(key));
  return keys_.back();
}

bool key_registry::delete_key(const std::string& user, const std::string& key_id, nanos now) {
  api_key* key = find_key_mut(key_id);
  if (!key || key->user != user || !key_usable(*key, now)) return false;
  key->deleted = true;
  key->expires_at = now;
  for (auto& [text, t] : tokens_) {
    if (t.key_id == key_id) t.revoked = true;
  }
  return true;
}

std::vector<const api_key*> key_registry::live_keys(const std::string& user, nanos now) const {
  std::vector<const api_key*> out;
  for (const auto& k : keys_) {
    if (k.user == user && key_usable(k, now)) out.push_back(&k);
  }
  return out;
}

std::optional<std::string> key_registry::exchange(std::string_view key_id, std::string_view secret,
                                                  std::string_view team, nanos now, nanos lifetime) {
  api_key* key = find_key_mut(key_id);
  if (!key || !key_usable(*key, now)) return std::nullopt;
  // Compare every byte whatever the mismatch: the simulator should not teach timing-leaky habits.
  unsigned diff = key->secret.size() ^ secret.size();
  for (std::size_t i = 0; i < key->secret.size(); ++i) {
    diff |= static_cast<unsigned char>(key->secret[i]) ^
            static_cast<unsigned char>(i < secret.size() ? secret[i] : 0);
  }
  if (diff != 0) return std::nullopt;
  key->last_used = now;
  // Drop long-dead tokens now and then so a day-long soak does not grow without bound.
  if (tokens_.size() > 100000) {
    std::erase_if(tokens_, [now](const auto& kv) { return kv.second.expires_at + 3600 * ns_per_s < now; });
  }
  // Shaped like a JWT (header.payload.signature), as the real service's tokens are; opaque to clients.
  const std::string header = base64url_nopad(R"({"alg":"HS256","typ":"JWT"})");
  const std::string payload =
      base64url_nopad("{\"sub\":\"" + key->user + "\",\"team\":\"" + std::string(team) +
                      "\",\"exp\":" + std::to_string((now + lifetime) / ns_per_s) + ",\"jti\":\"" +
                      random_secret(12, true) + "\"}");
  std::string token = header + "." + payload + "." + random_secret(32, true);
  tokens_[token] = token_info{key->user, key->id, now + lifetime, false};
  return token;
}

const token_info* key_registry::find_token(std::string_view token) const {
  auto it = tokens_.find(std::string(token));
  return it == tokens_.end() ? nullptr : &it->second;
}

const token_info* key_registry::authenticate(std::string_view token, nanos now) const {
  const token_info* t = find_token(token);
  if (!t || !token_usable(*t, find_key(t->key_id), now)) return nullptr;
  return t;
}

void key_registry::expire_token(std::string_view token, nanos now) {
  auto it = tokens_.find(std::string(token));
  if (it != tokens_.end()) it->second.expires_at = std::min(it->second.expires_at, now);
}

std::size_t key_registry::expire_all_tokens(nanos now) {
  std::size_t n = 0;
  for (auto& [text, t] : tokens_) {
    if (!t.revoked && now < t.expires_at) {
      t.expires_at = now;
      ++n;
    }
  }
  return n;
}

std::size_t key_registry::live_tokens(nanos now) const {
  std::size_t n = 0;
  for (const auto& [text, t] : tokens_) {
    if (token_usable(t, find_key(t.key_id), now)) ++n;
  }
  return n;
}

}  // namespace sfsim::scaleft
