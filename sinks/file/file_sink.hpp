// The file sink: appends NDJSON (or one zstd frame per batch) to a file, fsyncs, rotates, retries on disk
// errors.
#pragma once

#include "config/config.hpp"
#include "common/files/atomic_file.hpp"
#include "sinks/sink.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct ZSTD_CCtx_s;

namespace sf::sinks::file {

struct file_sink_options {
  // The daemon passes its retry.* settings (file_sink_options_for); the defaults are the same settings'.
  std::chrono::milliseconds initial_backoff = config::retry_config{}.initial_backoff;  // after a failed write
  std::chrono::milliseconds max_backoff = config::retry_config{}.max_backoff;  // a full disk is retried this often
  int zstd_level = 3;
};

// The options that follow the configuration's retry.* settings.
inline file_sink_options file_sink_options_for(const config::retry_config& r) {
  file_sink_options o;
  o.initial_backoff = r.initial_backoff;
  o.max_backoff = r.max_backoff;
  return o;
}

struct file_sink_counters {
  std::uint64_t events_stored = 0;
  std::uint64_t batches_stored = 0;
  std::uint64_t bytes_written = 0;  // bytes appended to the file (compressed size with zstd)
  std::uint64_t write_errors = 0;   // failed attempts (each one retried)
  std::uint64_t bytes_cut = 0;      // torn tail bytes removed when opening (start-up or reopen)
  std::uint64_t files_rotated = 0;  // active files renamed aside by rotate_bytes / rotate_interval
  std::uint64_t rotate_errors = 0;  // failed renames (the batch then goes to the current file)
};

// Why the active file is renamed aside before a batch. Pure: the caller supplies sizes and the file's age.
enum class rotate_reason { none, size, age };
// `file_bytes` is the active file's length, `batch_bytes` what the batch adds (compressed size with zstd).
// An empty file is never rotated, so a batch larger than rotate_bytes goes alone into a fresh file.
rotate_reason decide_rotation(const config::file_sink_config& cfg, std::uint64_t file_bytes,
                              std::uint64_t batch_bytes, std::chrono::milliseconds file_age);

// The name a rotated file gets: <stem>-<UTC yyyyMMddTHHmmss.SSSZ>[.n]<ext> beside `active`, where <ext> is
// the last extension, or the last two when the last is a compression one (audit.ndjson.zst keeps
// .ndjson.zst). n = 0 adds no suffix. Names of one directory sort by time.
std::filesystem::path rotated_file_name(const std::filesystem::path& active,
                                        std::chrono::system_clock::time_point when, unsigned n);

// How much of a file is whole, and why the rest is not. Pure: works on bytes already read.
struct tail_check {
  std::uint64_t keep = 0;  // length of the whole prefix
  std::string reason;      // why the rest (if any) is cut
};
// NDJSON: everything up to and including the last '\n'. `tail` is the end of the file, starting at `offset`.
tail_check check_ndjson_tail(std::string_view tail, std::uint64_t offset);
// zstd: the longest prefix of whole frames; the last frame is also decompressed to verify its checksum.
tail_check check_zstd_frames(std::string_view data);

class file_sink final : public sink {
 public:
  // Opens the file (creating parent directories) and cuts a torn tail left by a crash. Throws
  // std::runtime_error when the file cannot be opened (start-up only).
  file_sink(std::string name, config::file_sink_config cfg, boost::asio::any_io_executor ex,
            file_sink_options opts = {});
  ~file_sink() override;
  file_sink(const file_sink&) = delete;
  file_sink& operator=(const file_sink&) = delete;

  std::string_view name() const override { return name_; }
  const std::string& path() const { return config_.path; }

  // Appends the batch and fsyncs it (unless fsync: false); on failure cuts the partial write off, waits
  // (capped backoff) and tries again until it succeeds. Throws only when cancelled, never storing half a
  // batch.
  boost::asio::awaitable<delivery_report> deliver(const audit::event_batch& batch) override;

  // For SIGHUP after logrotate moved the file: closes it and opens the configured path again. On failure
  // the error is logged and returned, and the next deliver() keeps trying to open the path. Runs on the disk
  // thread, so it waits for a write in progress and never lands in the middle of a batch.
  boost::asio::awaitable<state::status> reopen_file();
  // The sink contract's SIGHUP hook: reopen_file(), whose outcome is logged.
  boost::asio::awaitable<void> reopen() override;

  file_sink_counters counters() const;

 private:
  struct attempt {
    int err = 0;               // errno of the failed step, 0 on success
    std::string step;          // what failed, for the log
    std::uint64_t bytes = 0;   // bytes appended on success
    bool cut_partial = false;  // a partial write was cut back off
  };

  // These run on the disk thread only (or in the constructor, before it has work).
  attempt append_blocking(std::string_view ndjson);
  state::status open_blocking();
  void close_blocking();
  // Renames the active file aside and opens a new one at the path. Crash-safe: every whole batch is in the
  // renamed file or at the path. Returns the errno of the failed step, 0 on success.
  int rotate_blocking(rotate_reason why, std::string& step);

  std::string name_;
  config::file_sink_config config_;
  boost::asio::any_io_executor executor_;
  file_sink_options options_;

  // Owned by the disk thread: the event loop never blocks on write() or fsync().
  int fd_ = -1;
  bool dirty_ = false;           // a failed write may have left bytes past good_size_
  std::uint64_t good_size_ = 0;  // file length after the last whole batch
  ZSTD_CCtx_s* cctx_ = nullptr;
  std::string frame_;
  std::chrono::system_clock::time_point opened_at_{};     // when the active file got its first batch
  std::chrono::system_clock::time_point last_rotated_{};  // the last rotated name's time: names increase

  std::atomic<std::uint64_t> events_stored_{0};
  std::atomic<std::uint64_t> batches_stored_{0};
  std::atomic<std::uint64_t> bytes_written_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::atomic<std::uint64_t> bytes_cut_{0};
  std::atomic<std::uint64_t> files_rotated_{0};
  std::atomic<std::uint64_t> rotate_errors_{0};

  // Declared last so it is destroyed (joined) first, while the state above still exists.
  boost::asio::thread_pool disk_{1};
};

}  // namespace sf::sinks::file
