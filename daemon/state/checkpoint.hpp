// The checkpoint: the last event every sink has stored, kept in <state_dir>/checkpoint.json.
#pragma once

#include "common/files/atomic_file.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace sf::state {

struct checkpoint {
  std::string event_id;         // id of the newest event every sink has stored
  std::string event_timestamp;  // its timestamp (RFC 3339), where the next poll starts
  std::uint64_t events_total = 0;
  std::string written_at;  // RFC 3339, when this checkpoint was saved
  bool operator==(const checkpoint&) const = default;
};

inline constexpr int checkpoint_version = 1;
inline constexpr std::string_view checkpoint_file_name = "checkpoint.json";
// A checkpoint is a few hundred bytes; anything far larger is not one of ours.
inline constexpr std::size_t checkpoint_max_bytes = 64 * 1024;

struct loaded_checkpoint {
  enum class kind {
    none,      // no file: first start, begin at source.start_at
    loaded,    // `value` holds it
    corrupt,   // the file exists but cannot be trusted; `message` says what is wrong and how to recover
    io_error,  // the file could not be read (permissions, I/O error); `message` says which and why
  } what = kind::none;
  checkpoint value;
  std::string message;                       // empty unless corrupt or io_error
  std::size_t stale_temp_files_removed = 0;  // leftovers from a crash mid-save, cleaned on load
};

// Loads <dir>/checkpoint.json. Never guesses: anything but a complete, well-typed version-1 object is
// reported as corrupt. Leftover temp files from a crash during save are ignored and removed.
loaded_checkpoint load_checkpoint(const std::filesystem::path& dir);

// Saves atomically (temp, fsync, rename, fsync dir) with mode 0600. An empty written_at is set to now.
// On failure the error names the file and the failed step, and the previous checkpoint is intact.
status save_checkpoint(const std::filesystem::path& dir, const checkpoint& cp);

// The JSON text save_checkpoint writes (one object and a newline), for tests and tools.
std::string checkpoint_to_json(const checkpoint& cp);

}  // namespace sf::state
