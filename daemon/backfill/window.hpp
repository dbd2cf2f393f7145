// Backfill decisions without I/O: the time window, filtering a page, progress and ETA, request-count bounds.
#pragma once

#include "sinks/event_batch.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::backfill {

inline constexpr std::int64_t ns_per_day = 86'400'000'000'000;
// The service keeps only 90 days of events (spec section 2).
inline constexpr std::int64_t retention_ns = 90 * ns_per_day;

// [since, until) in nanoseconds since the epoch: `since` is in, `until` is out.
struct time_window {
  std::int64_t since_ns = 0;
  std::int64_t until_ns = 0;

  bool empty() const { return until_ns <= since_ns; }
  bool contains(std::int64_t ts) const { return ts >= since_ns && ts < until_ns; }
};

// Where an event's timestamp lies relative to the window.
enum class place { before, inside, after };
place locate(const time_window& w, std::int64_t ts);

// Events of `page` inside the window, in page order, and what the page says about the walk.
struct filtered_page {
  audit::event_batch batch;    // only the window's events
  bool reached_until = false;  // some event at or after `until`: an ascending walk is over
  std::size_t before = 0;      // events before `since`
  std::size_t unparsable = 0;  // timestamps that do not parse: kept out of the window and counted
};
// `reverse` takes the page backwards (a descending page becomes oldest-first).
filtered_page filter_page(const audit::event_batch& page, const time_window& w, bool reverse = false);

// True when `since` is older than what the service still serves at `now`.
bool before_retention(const time_window& w, std::int64_t now_ns);

// Share of the window's time that is covered once every event up to `position_ns` is shipped, 0..1.
double covered_fraction(const time_window& w, std::int64_t position_ns);

// Time left at the present pace: elapsed * (1 - f) / f. nullopt before any progress (no estimate yet).
std::optional<std::chrono::seconds> estimate_left(std::chrono::steady_clock::duration elapsed,
                                                  double fraction);

// The fewest requests any client can spend on a window of `events` events with pages of `page_size`:
// every event must come in some response, and even an empty window costs one request to learn it is empty.
std::uint64_t minimum_requests(std::uint64_t events, int page_size);

// What the two first pages (newest-first and oldest-first) say, to choose how to reach `since`.
struct edge_sample {
  std::int64_t first_ns = 0;  // the page's first event in its own order
  std::int64_t last_ns = 0;   // its last event
  std::size_t events = 0;
};
enum class direction { ascending, descending };
// Estimates the pages each way: ascending from the oldest page's end up to `since`, or descending on from the
// newest page's end down to `since` (plus the window read again oldest-first unless `window_fits` in
// memory), each at the event rate its sample shows. Picks the cheaper; ties go ascending (no re-read).
struct direction_choice {
  direction way = direction::ascending;
  double ascending_pages = 0;
  double descending_pages = 0;
};
direction_choice choose_direction(const time_window& w, const edge_sample& oldest, const edge_sample& newest,
                                  int page_size, std::size_t buffer_events);

// The progress file's name for a backfill: a stable hash of since, until as given ("now" when defaulted) and
// the sorted sink names, so the same command finds its own progress again.
std::string progress_file_name(std::int64_t since_ns, std::string_view until_spec,
                               std::vector<std::string> sinks);

// "1h02m03s" style, for the terminal.
std::string format_duration(std::chrono::seconds s);

}  // namespace sf::backfill
