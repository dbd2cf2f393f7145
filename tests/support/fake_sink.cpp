// The fake sink: ids recorded per stored batch; failures and hangs on request.
#include "tests/support/fake_sink.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <stdexcept>

namespace sf::test {

fake_sink::fake_sink(boost::asio::any_io_executor ex, std::string name) : name_(std::move(name)), gate_(ex) {}

void fake_sink::hang() {
  hanging_ = true;
  gate_.expires_at(boost::asio::steady_timer::time_point::max());
}

void fake_sink::release() {
  hanging_ = false;
  gate_.cancel();
}

std::vector<std::string> fake_sink::stored_ids() const {
  std::vector<std::string> out;
  for (const auto& b : batches_) out.insert(out.end(), b.begin(), b.end());
  return out;
}

boost::asio::awaitable<sinks::delivery_report> fake_sink::deliver(const audit::event_batch& batch) {
  ++attempts_;
  while (hanging_) {
    ++waiting_;
    // The error is not needed: release() clears hanging_ before it wakes the waiters; woken while still told
    // to hang means the wait was cancelled (shutdown).
    (void)co_await gate_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    --waiting_;
    if (hanging_)
      throw boost::system::system_error(boost::asio::error::operation_aborted, "fake sink cancelled");
  }
  if (fail_next_ > 0 || batches_.size() >= fail_after_) {
    if (fail_next_ > 0) --fail_next_;
    ++failures_;
    throw std::runtime_error("fake sink " + name_ + ": delivery failed as the test asked");
  }
  std::vector<std::string> ids;
  ids.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) ids.emplace_back(batch.id(i));
  batches_.push_back(std::move(ids));
  sinks::delivery_report r;
  r.stored = batch.size();
  r.requests = 1;
  co_return r;
}

}  // namespace sf::test
