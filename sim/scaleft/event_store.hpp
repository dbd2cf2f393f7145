// The simulator's events in service order (timestamp, then insertion), with id lookup and page rendering.
#pragma once

#include "sim/scaleft/event_generator.hpp"
#include "sim/scaleft/paging.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sfsim::scaleft {

class event_store {
 public:
  // Appends in order; the caller gives timestamps no earlier than last_timestamp() (the clock only moves
  // forward), so positions never change and an id keeps its place for ever.
  void append(generated_event&& ev);
  std::size_t size() const { return ids_.size(); }
  std::optional<nanos> last_timestamp() const {
    return timestamps_.empty() ? std::nullopt : std::optional<nanos>(timestamps_.back());
  }
  std::optional<std::size_t> find(std::string_view id) const;
  // First position whose timestamp is at or after `cutoff`: older events are past retention.
  std::size_t first_at_or_after(nanos cutoff) const;
  const std::string& id_at(std::size_t pos) const { return ids_[pos]; }
  nanos timestamp_at(std::size_t pos) const { return timestamps_[pos]; }

  // The whole response body for a page: both envelope keys, each related object once.
  std::string render(const page_window& w, const related_pool& pool) const;

 private:
  std::deque<std::string> ids_;  // a deque: elements never move, so index_ may hold views
  std::vector<nanos> timestamps_;
  std::vector<std::string> json_;
  std::vector<std::uint32_t> related_begin_;  // related_[related_begin_[i] .. related_begin_[i+1])
  std::vector<std::uint32_t> related_;
  std::unordered_map<std::string_view, std::uint32_t> index_;
  mutable std::vector<std::uint32_t> seen_stamp_;  // dedupes related objects per page without a set
  mutable std::uint32_t stamp_ = 0;
};

}  // namespace sfsim::scaleft
