// Read-only views of the state directory (checkpoint, credentials, dead letters), safe while the daemon runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sf::ops {

// Nothing here writes, renames or removes: the daemon may be saving these files at the same moment, and its
// saves are atomic renames, so a reader sees the old file or the new one, whole.

struct checkpoint_view {
  bool present = false;
  std::string event_id;
  std::string event_timestamp;  // RFC 3339
  std::optional<std::chrono::system_clock::time_point> event_time;
  std::uint64_t events_total = 0;
  std::string written_at;
  std::string error;  // unreadable or not a checkpoint
};
checkpoint_view read_checkpoint(const std::filesystem::path& state_dir);

struct key_view {
  std::string id;  // the secret is never kept
  std::optional<std::chrono::system_clock::time_point> issued_at;
};
struct credentials_view {
  bool present = false;  // credentials.json exists (key rotation has run)
  std::optional<key_view> current, previous, pending;
  std::optional<std::chrono::system_clock::time_point> rotation_started_at;
  std::string error;
};
credentials_view read_credentials(const std::filesystem::path& state_dir);

struct dead_letter_view {
  std::string sink;
  std::filesystem::path path;
  bool present = false;
  std::uint64_t events = 0;  // lines: one refused document each
  std::uint64_t bytes = 0;
};
// `path` is the sink's dead-letter file (sinks::elasticsearch::dead_letter_file names it).
dead_letter_view count_dead_letters(const std::string& sink, const std::filesystem::path& path);

}  // namespace sf::ops
