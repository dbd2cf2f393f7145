// The dead-letter file: refused documents appended as NDJSON, fsync'd before the batch counts as delivered.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sf::sinks::elasticsearch {

// Appends lines to `<state_dir>/dead-letter/<sink>.ndjson` (directory 0700, file 0600). The file is opened
// per append so that an operator may move it away at any time (logrotate-style) without a restart.
class dead_letter_file {
 public:
  dead_letter_file(const std::filesystem::path& state_dir, std::string_view sink_name);

  // Appends `lines` (each ending with '\n') and fsyncs the file (and the directory the first time). Returns
  // an empty string on success, else what failed; a failed append is truncated back so the file never holds
  // half a line, and the caller must keep the events (they are not dead-lettered yet).
  std::string append(std::string_view lines);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
  bool dir_synced_ = false;
};

}  // namespace sf::sinks::elasticsearch
