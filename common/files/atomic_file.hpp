// Crash-safe file replacement (temp, fsync, rename, fsync dir), small-file reads, and the test-only fault
// switch.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace sf::state {

// A failed file operation: the errno-style code, and a message naming the file and the step that failed.
struct file_error {
  std::error_code code;
  std::string message;
};

// The outcome of an operation that yields nothing: empty on success.
class status {
 public:
  status() = default;
  status(file_error e) : error_(std::move(e)), failed_(true) {}  // NOLINT: implicit on purpose
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const file_error& error() const { return error_; }

 private:
  file_error error_;
  bool failed_ = false;
};

// The outcome of reading a file: its bytes, or the error.
struct read_result {
  std::string bytes;
  file_error error;
  bool ok() const { return !error.code; }
};

// Replaces `target` with `bytes` so that a crash at any point leaves either the old or the new content:
// writes a temp file `.<name>.tmp.XXXXXX` in the same directory, fsyncs it, renames it over the target and
// fsyncs the directory (so the rename itself survives a power cut). The target gets exactly `mode`,
// whatever the umask. On failure the temp file is removed and the target is untouched.
status write_file_atomically(const std::filesystem::path& target, std::string_view bytes, mode_t mode);

// Reads a whole regular file of at most `limit` bytes. A missing file gives code
// std::errc::no_such_file_or_directory.
read_result read_small_file(const std::filesystem::path& path, std::size_t limit);

// Removes temp files that write_file_atomically left for `target` when the process died mid-write.
// Returns how many were removed.
std::size_t remove_stale_temp_files(const std::filesystem::path& target);

// The prefix of write_file_atomically's temp files for `target` (".<name>.tmp."), for callers that list a
// dir.
std::string temp_file_prefix(const std::filesystem::path& target);

// Creates `path` and its missing parents with `mode` (like mkdir -p); existing directories are left alone.
status make_directories(const std::filesystem::path& path, mode_t mode);

// Test-only fault injection, compiled only when SF_TEST_HOOKS is defined (production builds lack it):
//   SF_TEST_FAIL_WRITES=<substring>   writes to any path containing <substring> fail with ENOSPC after
//                                     writing half their bytes (a full disk, as the kernel reports it);
//   SF_TEST_FAIL_WRITES_WHILE=<file>  optional: fail only while <file> exists, so a test can end the
//                                     "disk full" without restarting the process.
// Used by write_file_atomically and by the file sink. Without SF_TEST_HOOKS it always returns false.
bool test_fail_write(std::string_view path);

}  // namespace sf::state
