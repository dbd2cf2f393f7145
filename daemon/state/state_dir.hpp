// The state directory: created 0700, permissions tightened if looser, checked to be a writable directory.
#pragma once

#include "common/files/atomic_file.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace sf::state {

// Permissions of the state directory and of every file in it: they hold the checkpoint and API secrets.
inline constexpr mode_t state_dir_mode = 0700;
inline constexpr mode_t secret_file_mode = 0600;

struct prepared_dir {
  status result;
  std::string note;  // set when something was changed, e.g. permissions tightened; already logged
  bool ok() const { return result.ok(); }
};

// Creates the state directory (and missing parents) with mode 0700. An existing directory with looser
// permissions is tightened to 0700 (a warning is logged and `note` says so). Fails with a clear message when
// the path is not a directory or the process cannot create files in it (checked by creating and removing a
// probe file, which also catches read-only mounts and works for root).
prepared_dir prepare_state_dir(const std::filesystem::path& path);

// Writes a secret (e.g. a rotated API key) into the state directory atomically with mode 0600.
status write_secret_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace sf::state
