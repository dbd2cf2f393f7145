// The simulator's events in service order (timestamp, then insertion), with id lookup and page rendering.
#include "sim/scaleft/event_store.hpp"

#include <algorithm>

namespace sfsim::scaleft {

void event_store::append(generated_event&& ev) {
  const auto pos = static_cast<std::uint32_t>(ids_.size());
  if (related_begin_.empty()) related_begin_.push_back(0);
  ids_.push_back(std::move(ev.id));
  timestamps_.push_back(ev.timestamp);
  json_.push_back(std::move(ev.json));
  related_.insert(related_.end(), ev.related.begin(), ev.related.end());
  related_begin_.push_back(static_cast<std::uint32_t>(related_.size()));
  index_.emplace(std::string_view(ids_.back()), pos);
}

std::optional<std::size_t> event_store::find(std::string_view id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::size_t event_store::first_at_or_after(nanos cutoff) const {
  return static_cast<std::size_t>(std::lower_bound(timestamps_.begin(), timestamps_.end(), cutoff) -
                                  timestamps_.begin());
}

std::string event_store::render(const page_window& w, const related_pool& pool) const {
  std::size_t bytes = 64;
  for (std::size_t i = w.begin; i < w.end; ++i) bytes += json_[i].size() + 1;
  // Related objects are small and shared between events; estimate rather than walk them twice.
  bytes += w.size() * 200;
  std::string out;
  out.reserve(bytes);
  out += "{\"list\":[";
  for (std::size_t n = 0; n < w.size(); ++n) {
    const std::size_t i = w.descending ? w.end - 1 - n : w.begin + n;
    if (n) out += ',';
    out += json_[i];
  }
  out += "],\"related_objects\":{";
  if (seen_stamp_.size() < pool.rendered.size()) seen_stamp_.resize(pool.rendered.size(), 0);
  if (++stamp_ == 0) {  // wrapped: forget old stamps rather than confuse them with the new one
    std::fill(seen_stamp_.begin(), seen_stamp_.end(), 0);
    stamp_ = 1;
  }
  bool first = true;
  for (std::size_t i = w.begin; i < w.end; ++i) {
    for (std::uint32_t r = related_begin_[i]; r < related_begin_[i + 1]; ++r) {
      const std::uint32_t obj = related_[r];
      if (seen_stamp_[obj] == stamp_) continue;
      seen_stamp_[obj] = stamp_;
      if (!first) out += ',';
      first = false;
      out += pool.rendered[obj];
    }
  }
  out += "}}";
  return out;
}

}  // namespace sfsim::scaleft
