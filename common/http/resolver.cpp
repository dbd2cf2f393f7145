// Lookups on detached threads reporting through an eventfd, awaited with a deadline and cancellation.
#include "common/http/resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <netdb.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <mutex>
#include <thread>

namespace sf::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

endpoints system_resolve(const std::string& host, const std::string& port, boost::system::error_code& ec) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &list);
  endpoints out;
  if (rc != 0) {
    ec = rc == EAI_NONAME ? asio::error::host_not_found : asio::error::host_not_found_try_again;
    if (rc == EAI_SYSTEM) ec = boost::system::error_code(errno, boost::system::system_category());
    return out;
  }
  for (const addrinfo* a = list; a; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    tcp::endpoint ep;
    std::memcpy(ep.data(), a->ai_addr, a->ai_addrlen);
    out.push_back(ep);
  }
  ::freeaddrinfo(list);
  if (out.empty()) ec = asio::error::host_not_found;
  return out;
}

namespace {

// What the lookup thread and the waiting coroutine share; the thread only writes under the lock and then
// signals the eventfd (no asio call from that thread, so it may outlive the io_context).
struct shared_lookup {
  std::mutex m;
  boost::system::error_code ec;
  endpoints found;
  int fd = -1;
  ~shared_lookup() {
    if (fd >= 0) ::close(fd);
  }
};

// What the waiting coroutine and its deadline timer share.
struct waiting {
  explicit waiting(asio::any_io_executor ex) : wake(ex), timer(ex) {}
  asio::posix::stream_descriptor wake;  // a dup of the eventfd
  asio::steady_timer timer;
  bool timed_out = false;
};

}  // namespace

deadline_resolver::deadline_resolver(asio::any_io_executor ex, blocking_resolve_fn fn)
    : executor_(std::move(ex)), fn_(fn ? std::move(fn) : blocking_resolve_fn(system_resolve)) {}

asio::awaitable<resolve_result> deadline_resolver::resolve(std::string host, std::string port,
                                                           std::chrono::milliseconds deadline) {
  resolve_result r;
  // Cancelled before it began (the slot fired while nothing was pending): no lookup.
  if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) {
    r.ec = asio::error::operation_aborted;
    co_return r;
  }
  boost::system::error_code aec;
  const auto address = asio::ip::make_address(host, aec);
  if (!aec) {
    unsigned short n = 0;
    const auto [end, pec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (pec != std::errc() || end != port.data() + port.size()) {
      r.ec = asio::error::invalid_argument;
      co_return r;
    }
    r.found.emplace_back(address, n);
    co_return r;
  }
  auto shared = std::make_shared<shared_lookup>();
  shared->fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (shared->fd < 0) {
    r.ec = boost::system::error_code(errno, boost::system::system_category());
    co_return r;
  }
  auto w = std::make_shared<waiting>(executor_);
  const int mine = ::dup(shared->fd);
  if (mine < 0) {
    r.ec = boost::system::error_code(errno, boost::system::system_category());
    co_return r;
  }
  w->wake.assign(mine);
  std::thread([shared, fn = fn_, host, port] {
    boost::system::error_code ec;
    endpoints found = fn(host, port, ec);
    {
      std::lock_guard lock(shared->m);
      shared->ec = ec;
      shared->found = std::move(found);
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(shared->fd, &one, sizeof one);
  }).detach();

  w->timer.expires_after(deadline);
  w->timer.async_wait([w](const boost::system::error_code& ec) {
    boost::system::error_code ignored;
    if (ec) return;
    w->timed_out = true;
    w->wake.cancel(ignored);
  });
  std::uint64_t value = 0;
  // The read carries the caller's cancellation slot: a stop ends the wait at once.
  auto [rec, n] = co_await w->wake.async_read_some(asio::buffer(&value, sizeof value),
                                                   asio::as_tuple(asio::use_awaitable));
  w->timer.cancel();
  if (!rec && n == sizeof value) {
    std::lock_guard lock(shared->m);
    r.ec = shared->ec;
    r.found = std::move(shared->found);
  } else {
    r.ec = w->timed_out ? asio::error::timed_out : asio::error::operation_aborted;
  }
  co_return r;
}

}  // namespace sf::http
