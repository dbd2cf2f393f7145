// Running the on_rotate program: a child with its input on stdin, no inherited fds, and a deadline.
#include "daemon/keys/hook_process.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::keys {

namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

std::string seconds_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{}s", d.count() / 1000);
  return fmt::format("{}ms", d.count());
}

child_result from_status(int status) {
  child_result r;
  if (WIFEXITED(status)) {
    r.what = child_result::kind::exited;
    r.code = WEXITSTATUS(status);
  } else {
    r.what = child_result::kind::signaled;
    r.code = WTERMSIG(status);
  }
  return r;
}

// Reaps `pid`, retrying when a signal interrupts the wait.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// Owns the file actions and attributes of one posix_spawn call.
struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

}  // namespace

std::string describe(const child_result& r, std::chrono::milliseconds timeout) {
  switch (r.what) {
    case child_result::kind::exited:
      return fmt::format("exited with status {}", r.code);
    case child_result::kind::signaled:
      return fmt::format("killed by signal {} ({})", r.code, ::strsignal(r.code));
    case child_result::kind::timed_out:
      return fmt::format("timed out after {} (killed)", seconds_text(timeout));
    default:
      return "cannot start: " + r.error;
  }
}

asio::awaitable<child_result> hook_process::run(const std::vector<std::string>& argv,
                                                const std::vector<std::string>& env, std::string_view input,
                                                std::chrono::milliseconds timeout) {
  child_result out;
  if (argv.empty() || argv[0].empty()) {
    out.error = "no program given";
    co_return out;
  }
  int stdin_pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stdin_pair) != 0) {
    out.code = errno;
    out.error = fmt::format("socketpair: {}", std::strerror(errno));
    co_return out;
  }
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = 0;
  {
    spawn_setup s;
    posix_spawn_file_actions_adddup2(&s.actions, stdin_pair[1], 0);
    posix_spawn_file_actions_adddup2(&s.actions, 2, 1);  // the hook's output goes where the daemon logs
    posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    // An own process group, so a timeout also ends what the hook started (kubectl, vault); signals unblocked
    // and at their defaults whatever the daemon set.
    posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&s.attr, 0);
    posix_spawnattr_setsigmask(&s.attr, &none);
    posix_spawnattr_setsigdefault(&s.attr, &all);
    // posix_spawnp searches the daemon's PATH, which the child's environment keeps.
    rc = ::posix_spawnp(&pid, args[0], &s.actions, &s.attr, args.data(), envp.data());
  }
  ::close(stdin_pair[1]);
  if (rc != 0) {
    ::close(stdin_pair[0]);
    out.code = rc;
    out.error = fmt::format("{}: {}", argv[0], std::strerror(rc));
    co_return out;
  }
  pid_ = pid;
  // The input is a few hundred bytes: it fits the socket buffer, so this never waits for the child to read.
  // MSG_NOSIGNAL: a child that exited already gives EPIPE here, not a SIGPIPE that would kill the daemon.
  std::size_t sent = 0;
  while (sent < input.size()) {
    const auto n =
        ::send(stdin_pair[0], input.data() + sent, input.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the exit status tells what the child made of a short input
    sent += static_cast<std::size_t>(n);
  }
  ::close(stdin_pair[0]);  // end of input

  asio::steady_timer deadline(executor_, timeout);
  bool timed_out = false;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    // Readable when the child exits: no polling, no SIGCHLD handler shared with the rest of the daemon.
    asio::posix::stream_descriptor exited(executor_, pidfd);
    auto which = co_await (
        exited.async_wait(asio::posix::descriptor_base::wait_read, asio::as_tuple(asio::use_awaitable)) ||
        deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
    timed_out = which.index() == 1;
  } else {
    // Kernels before 5.3 have no pidfd: look every 50 ms.
    for (;;) {
      int status = 0;
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) {
        pid_ = -1;
        co_return from_status(status);
      }
      if (std::chrono::steady_clock::now() >= deadline.expiry()) {
        timed_out = true;
        break;
      }
      if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) break;
      asio::steady_timer tick(executor_, std::chrono::milliseconds(50));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  // A stop ended the wait: the child's process group is killed at once (the pending flag is on disk, so it
  // runs again at the next start), and the signal is what run() reports.
  const bool stopped =
      (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
  if (timed_out || stopped) ::kill(-pid, SIGKILL);
  const int status = reap(pid);
  pid_ = -1;
  if (timed_out) {
    out.what = child_result::kind::timed_out;
    co_return out;
  }
  co_return from_status(status);
}


}  // namespace sf::keys
