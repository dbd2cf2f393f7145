// Running the on_rotate program: a child with its input on stdin, no inherited fds, and a deadline.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sf::keys {

struct child_result {
  enum class kind { exited, signaled, timed_out, not_started } what = kind::not_started;
  int code = 0;       // exit status (exited), signal number (signaled), errno (not_started)
  std::string error;  // not_started: why (e.g. "execve: No such file or directory")
  bool ok() const { return what == kind::exited && code == 0; }
};

// "exited with status 3", "killed by signal 9 (Killed)", "timed out after 30s (killed)", "cannot start: ...".
std::string describe(const child_result& r, std::chrono::milliseconds timeout);

// One child at a time. The child gets `input` on its standard input (a socket pair, so that a child that
// exits without reading cannot raise SIGPIPE in the daemon), the daemon's stderr as stdout and stderr, no
// other descriptor, default signal dispositions, its own process group (a timeout kills its children too).
class hook_process {
 public:
  explicit hook_process(boost::asio::any_io_executor ex) : executor_(ex) {}
  hook_process(const hook_process&) = delete;
  hook_process& operator=(const hook_process&) = delete;

  // `argv[0]` is an absolute path or a name looked up on the PATH of `env` ("NAME=value" entries).
  // Cancellation of the caller (a stop) kills the child's process group at once; run() reports the signal.
  boost::asio::awaitable<child_result> run(const std::vector<std::string>& argv,
                                           const std::vector<std::string>& env, std::string_view input,
                                           std::chrono::milliseconds timeout);

 private:
  boost::asio::any_io_executor executor_;
  pid_t pid_ = -1;
};

}  // namespace sf::keys
