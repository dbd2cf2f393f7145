// The pages between the source and the sinks: which each sink still needs, what may be committed, how much
// memory they hold. Pure bookkeeping, no I/O, so the delivery rules are tested without sockets.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace sf::forwarder {

// `Page` needs size() (events) and bytes(); pages are numbered from 0 in fetch order.
template <class Page>
class delivery_window {
 public:
  delivery_window(std::size_t sinks, std::size_t max_events, std::size_t max_bytes)
      : next_for_sink_(sinks, 0), max_events_(max_events), max_bytes_(max_bytes) {}

  // Whether the producer may fetch another page: always when empty (one page is the least that makes
  // progress), otherwise only while both bounds hold.
  bool has_room() const { return pages_.empty() || (events_ < max_events_ && bytes_ < max_bytes_); }

  void push(std::shared_ptr<const Page> p) {
    events_ += p->size();
    bytes_ += p->bytes();
    pages_.push_back(std::move(p));
  }

  // The next page sink `s` has not delivered yet, or null if it has everything fetched so far.
  std::shared_ptr<const Page> next_for(std::size_t s) const {
    const std::uint64_t seq = next_for_sink_[s];
    if (seq >= base_ + pages_.size()) return nullptr;
    return pages_[seq - base_];
  }
  void delivered(std::size_t s) { ++next_for_sink_[s]; }

  struct released {
    std::shared_ptr<const Page> newest;  // null if no page was released
    std::size_t events = 0;              // events in all released pages
  };
  // Pops the pages every sink has delivered; the newest one's last event is the new checkpoint. Their memory
  // is released here.
  released pop_delivered() {
    const std::uint64_t all = *std::min_element(next_for_sink_.begin(), next_for_sink_.end());
    released r;
    while (base_ < all && !pages_.empty()) {
      r.newest = std::move(pages_.front());
      pages_.pop_front();
      events_ -= r.newest->size();
      bytes_ -= r.newest->bytes();
      r.events += r.newest->size();
      ++base_;
    }
    return r;
  }

  std::size_t buffered_events() const { return events_; }
  std::size_t buffered_bytes() const { return bytes_; }
  std::size_t buffered_pages() const { return pages_.size(); }
  // Pages fetched and not yet delivered by sink s (for status and metrics).
  std::uint64_t backlog(std::size_t s) const { return base_ + pages_.size() - next_for_sink_[s]; }

 private:
  std::deque<std::shared_ptr<const Page>> pages_;
  std::uint64_t base_ = 0;  // sequence number of pages_.front()
  std::vector<std::uint64_t> next_for_sink_;
  std::size_t events_ = 0;
  std::size_t bytes_ = 0;
  std::size_t max_events_;
  std::size_t max_bytes_;
};

}  // namespace sf::forwarder
