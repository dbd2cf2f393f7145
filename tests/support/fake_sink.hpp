// A sink for tests: records every batch it stores, and fails or hangs when told to.
#pragma once

#include "sinks/sink.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace sf::test {

class fake_sink : public sinks::sink {
 public:
  explicit fake_sink(boost::asio::any_io_executor ex, std::string name = "fake");

  std::string_view name() const override { return name_; }
  // Stores the batch (its ids, in order) unless told otherwise: a failing delivery throws
  // std::runtime_error, a hanging one waits until release() (then stores) or until the operation is
  // cancelled (then throws operation_aborted, storing nothing), as the sink contract says.
  boost::asio::awaitable<sinks::delivery_report> deliver(const audit::event_batch& batch) override;

  void fail_next(std::size_t deliveries) { fail_next_ = deliveries; }
  // After `deliveries` more batches are stored, every later delivery fails.
  void fail_after(std::size_t deliveries) { fail_after_ = deliveries; }
  void hang();
  void release();

  const std::vector<std::vector<std::string>>& batches() const { return batches_; }  // stored ones
  std::vector<std::string> stored_ids() const;
  std::size_t attempts() const { return attempts_; }
  std::size_t failures() const { return failures_; }
  std::size_t waiting() const { return waiting_; }  // deliveries hanging now

 private:
  std::string name_;
  boost::asio::steady_timer gate_;  // hanging deliveries wait on it; release() cancels it
  bool hanging_ = false;
  std::size_t fail_next_ = 0;
  std::size_t fail_after_ = static_cast<std::size_t>(-1);
  std::vector<std::vector<std::string>> batches_;
  std::size_t attempts_ = 0;
  std::size_t failures_ = 0;
  std::size_t waiting_ = 0;
};

}  // namespace sf::test
