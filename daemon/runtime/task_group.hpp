// The one supervisor of a run: every long-lived task under its own cancellation slot; a stop is total
// cancellation to all, and what is left when the grace expires gets terminal cancellation.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <string>

namespace sf::runtime {

// Workers do the run's work; services (the HTTP endpoint, the systemd notifier) serve it while it drains:
// they hear the stop like every task, and get terminal cancellation once the last worker has ended.
enum class task_role { worker, service };

class task_group {
 public:
  // `grace`: how long a stop lets the tasks finish what they have in hand before they are ended.
  task_group(boost::asio::any_io_executor ex, std::chrono::milliseconds grace);
  ~task_group();
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;

  // Runs `task` as a task of the group (set up with hear_stop()). A task spawned after a stop hears it at
  // once. An exception other than operation_aborted is logged, marks the group failed and stops it.
  void spawn(std::string name, boost::asio::awaitable<void> task, task_role role = task_role::worker);

  // Total cancellation to every task, then terminal cancellation when `grace` has passed. Later calls do
  // nothing (the first stop's grace holds).
  void stop();
  // Terminal cancellation to every task now (the grace expired, or a second signal).
  void end();

  bool stopping() const { return level_ != boost::asio::cancellation_type::none; }
  bool ended() const {
    return (level_ & boost::asio::cancellation_type::terminal) != boost::asio::cancellation_type::none;
  }
  bool grace_expired() const { return grace_expired_; }
  bool failed() const { return failed_; }
  std::size_t running() const { return running_; }
  std::size_t workers_running() const { return workers_; }

  // Completes when every task has ended (at once when none runs).
  boost::asio::awaitable<void> join();

  // Called once, when the first stop begins (e.g. to tell readiness and systemd).
  std::function<void()> on_stop;

 private:
  struct task {
    std::string name;
    task_role role;
    boost::asio::cancellation_signal signal;
    bool started = false;
    bool done = false;
  };
  static boost::asio::awaitable<void> run_task(task_group* group, task* t, boost::asio::awaitable<void> body);
  void finished(task* t, std::exception_ptr ep);
  void emit(boost::asio::cancellation_type type, bool services);
  void sweep();

  boost::asio::any_io_executor executor_;
  std::chrono::milliseconds grace_;
  boost::asio::steady_timer grace_timer_;
  boost::asio::steady_timer idle_;  // never expires: join() waits on it, the last task's end cancels it
  std::list<task> tasks_;
  boost::asio::cancellation_type level_ = boost::asio::cancellation_type::none;
  bool grace_expired_ = false;
  bool failed_ = false;
  std::size_t running_ = 0;
  std::size_t workers_ = 0;
};

}  // namespace sf::runtime
