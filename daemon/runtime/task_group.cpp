// Spawning with a slot per task, completion tracking, the stop's two stages and the services' end.
#include "daemon/runtime/task_group.hpp"

#include "common/log/logger.hpp"
#include "daemon/runtime/cancellation.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sf::runtime {

namespace asio = boost::asio;
using asio::cancellation_type;

task_group::task_group(asio::any_io_executor ex, std::chrono::milliseconds grace)
    : executor_(ex), grace_(grace), grace_timer_(ex), idle_(ex, asio::steady_timer::time_point::max()) {}

task_group::~task_group() {
  // Tasks still running refer to their entries: only a group whose io_context is gone may be torn down
  // with tasks left, and then no handler of theirs runs again.
  grace_timer_.cancel();
}

asio::awaitable<void> task_group::run_task(task_group* group, task* t, asio::awaitable<void> body) {
  co_await hear_stop();
  t->started = true;
  // A stop (or an end) that came before this task ran: it hears it now, on its own slot.
  cancellation_type owed = group->level_;
  if (t->role == task_role::service && group->workers_ == 0 && group->stopping())
    owed = cancellation_type::terminal;
  if (owed != cancellation_type::none) t->signal.emit(owed);
  co_await std::move(body);
}

void task_group::spawn(std::string name, asio::awaitable<void> body, task_role role) {
  sweep();
  task& t = tasks_.emplace_back();
  t.name = std::move(name);
  t.role = role;
  ++running_;
  if (role == task_role::worker) ++workers_;
  task* tp = &t;
  asio::co_spawn(
      executor_, run_task(this, tp, std::move(body)),
      asio::bind_cancellation_slot(t.signal.slot(), [this, tp](std::exception_ptr ep) { finished(tp, ep); }));
}

void task_group::finished(task* t, std::exception_ptr ep) {
  t->done = true;
  --running_;
  bool failure = false;
  if (ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const boost::system::system_error& e) {
      // Our own cancellation is how a task ends, not a failure.
      if (e.code() == asio::error::operation_aborted) {
        log::debug("task ended by cancellation", {{"task", t->name}});
      } else {
        log::error("a task failed; stopping", {{"task", t->name}, {"error", e.what()}});
        failure = true;
      }
    } catch (const std::exception& e) {
      log::error("a task failed; stopping", {{"task", t->name}, {"error", e.what()}});
      failure = true;
    }
  }
  if (t->role == task_role::worker && --workers_ == 0) {
    // The run's work is over: the services have nothing left to serve.
    emit(cancellation_type::terminal, true);
  }
  if (failure) {
    failed_ = true;
    stop();
  }
  if (running_ == 0) {
    grace_timer_.cancel();
    idle_.cancel();
  }
}

void task_group::emit(cancellation_type type, bool services_only) {
  for (auto& t : tasks_) {
    if (t.done || !t.started) continue;  // one not started yet hears the group's level when it starts
    if (services_only && t.role != task_role::service) continue;
    t.signal.emit(type);
  }
}

void task_group::stop() {
  if (stopping()) return;
  level_ = cancellation_type::total;
  if (on_stop) on_stop();
  emit(cancellation_type::total, false);
  if (running_ == 0) return;
  grace_timer_.expires_after(grace_);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || running_ == 0) return;
    grace_expired_ = true;
    log::error("shutdown grace expired; ending what is left (the last committed checkpoint stays)",
               {{"tasks", running_}});
    end();
  });
}

void task_group::end() {
  if (ended()) return;
  if (!stopping() && on_stop) on_stop();
  level_ = cancellation_type::terminal;
  grace_timer_.cancel();
  emit(cancellation_type::terminal, false);
}

void task_group::sweep() {
  tasks_.remove_if([](const task& t) { return t.done; });
}

asio::awaitable<void> task_group::join() {
  while (running_ > 0) co_await idle_.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace sf::runtime
