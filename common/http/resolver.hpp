// Name resolution with a deadline, ended by cancellation: a stalled DNS server holds neither an exchange nor a stop.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace sf::http {

using endpoints = std::vector<boost::asio::ip::tcp::endpoint>;

// A blocking lookup (getaddrinfo by default); tests put a stalling one in its place.
using blocking_resolve_fn =
    std::function<endpoints(const std::string& host, const std::string& port, boost::system::error_code& ec)>;

// getaddrinfo for TCP; ec set (and no endpoints) when the name does not resolve.
endpoints system_resolve(const std::string& host, const std::string& port, boost::system::error_code& ec);

struct resolve_result {
  boost::system::error_code ec;  // timed_out after the deadline, operation_aborted when cancelled
  endpoints found;
};

// Asio's own resolver runs getaddrinfo on a private thread that it joins when the io_context goes away, and a
// cancel only takes effect once getaddrinfo returns: a DNS server that never answers would hold the exchange
// and then the exit. Here each lookup runs on a detached thread that reports through an eventfd, and the
// waiting coroutine gives up at the deadline or when its cancellation slot fires (the thread's late answer is
// dropped).
class deadline_resolver {
 public:
  explicit deadline_resolver(boost::asio::any_io_executor ex, blocking_resolve_fn fn = {});
  deadline_resolver(const deadline_resolver&) = delete;
  deadline_resolver& operator=(const deadline_resolver&) = delete;

  // IP literals are converted at once (no thread, no DNS); names are looked up with `deadline`. The
  // caller's cancellation (terminal) ends a lookup in progress with operation_aborted.
  boost::asio::awaitable<resolve_result> resolve(std::string host, std::string port,
                                                 std::chrono::milliseconds deadline);

 private:
  boost::asio::any_io_executor executor_;
  blocking_resolve_fn fn_;
};

}  // namespace sf::http
