// The backfill job: finds a time window's first event, ships the window to the chosen sinks, keeps progress.
#pragma once

#include "config/config.hpp"
#include "daemon/backfill/progress_file.hpp"
#include "daemon/backfill/window.hpp"
#include "daemon/source/scaleft_source.hpp"
#include "sinks/sink.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>

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
  // Reads through `source` (which outlives the job). Throws std::runtime_error for start-up problems
  // (progress directory, no sinks).
  job(boost::asio::any_io_executor ex, const config::forwarder_config& cfg, job_options opts,
      source::scaleft_source& source, std::vector<std::unique_ptr<sinks::sink>> sinks);
  ~job();

  // Called after every page and whenever the phase changes.
  std::function<void(const job_view&)> on_progress;

  // Run it as a task of a task_group: a stop (total cancellation) ends the page request in progress, lets
  // the batch being delivered finish, saves progress and returns `stopped`; terminal cancellation abandons
  // the delivery in hand too (it throws operation_aborted; the progress file stays behind it).
  boost::asio::awaitable<job_result> run();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sf::backfill
