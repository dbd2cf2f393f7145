// The backfill job: finds a time window's first event, ships the window to the chosen sinks, keeps progress.
#pragma once

#include "config/config.hpp"
#include "daemon/backfill/progress_file.hpp"
#include "daemon/backfill/window.hpp"
#include "sinks/sink.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sf::backfill {

struct job_options {
  time_window window;
  std::string until_spec;               // "now" when --until was not given
  std::vector<std::string> sink_names;  // the sinks it ships to, in configuration order
  std::filesystem::path progress_file;  // <state_dir>/backfill/<progress_file_name>
  bool restart = false;                 // ignore (and replace) any progress kept for this backfill
};

// What the job is doing, for the progress display.
enum class phase { searching, shipping, waiting_rate_limit, finished };

struct job_view {
  const progress_state& progress;
  phase now;
  std::chrono::steady_clock::duration elapsed;   // this run plus earlier runs
  std::chrono::milliseconds rate_limit_wait{0};  // when waiting for the rate limit
  std::uint64_t events_this_run = 0;
  std::chrono::steady_clock::duration run_elapsed{};  // this run only (for events/s)
};

struct job_result {
  enum class kind { completed, stopped, failed } what = kind::failed;
  progress_state progress;  // totals over every run of this backfill
  bool resumed = false;
  std::uint64_t events_this_run = 0;
  std::chrono::steady_clock::duration run_elapsed{};
  std::string error;
};

class job {
 public:
  // Throws std::runtime_error for start-up problems (source URL, progress directory).
  job(boost::asio::io_context& io, const config::forwarder_config& cfg, job_options opts,
      std::vector<std::unique_ptr<sinks::sink>> sinks);
  ~job();

  // Called after every page and whenever the phase changes.
  std::function<void(const job_view&)> on_progress;

  boost::asio::awaitable<job_result> run();

  // Finishes the batch being delivered, saves progress and returns `stopped`.
  void request_stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sf::backfill
