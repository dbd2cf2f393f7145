// Backfill decisions without I/O: window filtering, progress, request bounds, direction, progress-file name.
#include "daemon/backfill/window.hpp"

#include "common/time/rfc3339.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sf::backfill {

place locate(const time_window& w, std::int64_t ts) {
  if (ts < w.since_ns) return place::before;
  if (ts >= w.until_ns) return place::after;
  return place::inside;
}

filtered_page filter_page(const audit::event_batch& page, const time_window& w, bool reverse) {
  filtered_page out;
  const std::size_t n = page.size();
  std::size_t doc_bytes = 0;
  for (std::size_t i = 0; i < n; ++i) doc_bytes += page.document(i).size() + 1;
  out.batch.reserve(n, doc_bytes);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = reverse ? n - 1 - k : k;
    auto ts = time::parse_rfc3339_ns(page.timestamp(i));
    if (!ts) {
      // No time, no window: an event the renderer kept without a valid timestamp cannot be placed.
      ++out.unparsable;
      continue;
    }
    switch (locate(w, *ts)) {
      case place::before:
        ++out.before;
        break;
      case place::after:
        out.reached_until = true;
        break;
      case place::inside:
        out.batch.add(page.id(i), page.timestamp(i), page.document(i), page.event_members(i));
        break;
    }
  }
  return out;
}

bool before_retention(const time_window& w, std::int64_t now_ns) {
  return w.since_ns < now_ns - retention_ns;
}

double covered_fraction(const time_window& w, std::int64_t position_ns) {
  if (w.empty()) return 1.0;
  const double f =
      static_cast<double>(position_ns - w.since_ns) / static_cast<double>(w.until_ns - w.since_ns);
  return std::clamp(f, 0.0, 1.0);
}

std::optional<std::chrono::seconds> estimate_left(std::chrono::steady_clock::duration elapsed,
                                                  double fraction) {
  if (fraction <= 0.0 || elapsed <= elapsed.zero()) return std::nullopt;
  if (fraction >= 1.0) return std::chrono::seconds(0);
  const double secs = std::chrono::duration<double>(elapsed).count() * (1.0 - fraction) / fraction;
  return std::chrono::seconds(static_cast<std::int64_t>(std::ceil(secs)));
}

std::uint64_t minimum_requests(std::uint64_t events, int page_size) {
  const std::uint64_t p = page_size > 0 ? static_cast<std::uint64_t>(page_size) : 1;
  return std::max<std::uint64_t>(1, (events + p - 1) / p);
}

direction_choice choose_direction(const time_window& w, const edge_sample& oldest, const edge_sample& newest,
                                  int page_size, std::size_t buffer_events) {
  direction_choice c;
  // One rate for both ends (events per nanosecond): a single page's span is too short to trust alone.
  const double span = static_cast<double>(std::max<std::int64_t>(1, oldest.last_ns - oldest.first_ns) +
                                          std::max<std::int64_t>(1, newest.first_ns - newest.last_ns));
  const double rate = static_cast<double>(oldest.events + newest.events) / span;
  const double p = page_size > 0 ? page_size : 1;
  const std::int64_t window_top = std::min(w.until_ns, newest.first_ns);
  const auto events_between = [&](std::int64_t from, std::int64_t to) {
    return to > from ? static_cast<double>(to - from) * rate : 0.0;
  };
  // Ascending reads everything from the end of the oldest page to the end of the window, once.
  c.ascending_pages = events_between(oldest.last_ns, window_top) / p;
  // Descending reads down to `since`; the window itself is read again oldest-first unless it fits in memory.
  const double window_events = events_between(w.since_ns, window_top);
  c.descending_pages = events_between(w.since_ns, newest.last_ns) / p;
  if (window_events > static_cast<double>(buffer_events)) c.descending_pages += window_events / p;
  c.way = c.descending_pages < c.ascending_pages ? direction::descending : direction::ascending;
  return c;
}

std::string progress_file_name(std::int64_t since_ns, std::string_view until_spec,
                               std::vector<std::string> sinks) {
  std::sort(sinks.begin(), sinks.end());
  std::string key = fmt::format("since={};until={};sinks=", since_ns, until_spec);
  for (const auto& s : sinks) key.append(s).push_back('\x1f');  // a separator no sink name holds
  // FNV-1a, 64 bits: stable across builds and machines (std::hash is not), and plenty for a handful of files.
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : key) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}.json", h);
}

std::string format_duration(std::chrono::seconds s) {
  const auto total = s.count() < 0 ? 0 : s.count();
  const auto h = total / 3600, m = total / 60 % 60, sec = total % 60;
  if (h > 0) return fmt::format("{}h{:02}m{:02}s", h, m, sec);
  if (m > 0) return fmt::format("{}m{:02}s", m, sec);
  return fmt::format("{}s", sec);
}

}  // namespace sf::backfill
