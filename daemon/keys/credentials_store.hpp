// credentials.json in the state directory: the live, previous and pending API keys (0600, atomic writes).
#pragma once

#include "daemon/keys/rotation_policy.hpp"
#include "common/files/atomic_file.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sf::keys {

// The JSON text of `c` (holds secrets: written only to the 0600 file, never logged).
std::string serialize_credentials(const stored_credentials& c);

// Parses serialize_credentials' output. nullopt with `why` for anything else (the file is never written
// half, so this means someone edited it).
std::optional<stored_credentials> parse_credentials(std::string_view text, std::string& why);

struct loaded_credentials {
  enum class kind { missing, loaded, invalid } what = kind::missing;
  stored_credentials value;
  std::string message;  // for invalid: names the file and the problem
};

class credentials_store {
 public:
  explicit credentials_store(std::filesystem::path state_dir);

  loaded_credentials load() const;
  // Atomic and durable (fsync of file and directory) before it returns ok: a key is never used before this.
  state::status save(const stored_credentials& c) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// An exclusive lock on <state_dir>/credentials.lock, so that a rotate-key command and the daemon never
// rotate at the same time. Released when destroyed (and by the kernel if the process dies).
class rotation_lock {
 public:
  explicit rotation_lock(const std::filesystem::path& state_dir);
  ~rotation_lock();
  rotation_lock(const rotation_lock&) = delete;
  rotation_lock& operator=(const rotation_lock&) = delete;
  bool held() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

}  // namespace sf::keys
