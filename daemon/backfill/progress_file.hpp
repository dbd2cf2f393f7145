// A backfill's progress in <state_dir>/backfill/<hash>.json: where the walk is, what it has shipped so far.
#pragma once

#include "common/files/atomic_file.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::backfill {

struct sink_totals {
  std::string name;
  std::uint64_t stored = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t dead_lettered = 0;
};

struct progress_state {
  // What the backfill is (checked on load: a hash collision or an edited file must not mix two backfills).
  std::int64_t since_ns = 0;
  std::int64_t until_ns = 0;  // resolved: with a defaulted --until, the moment the first run started
  std::string until_spec;     // as given, or "now"
  std::vector<std::string> sinks;

  // Where it is. Once `located`, every event after `cursor` (in the API's oldest-first order; "" = from the
  // oldest) up to the window's end is still to ship, and everything before it is shipped.
  bool located = false;
  std::string cursor;
  std::string last_id;           // the window's newest event when the search saw it: the walk ends there
  std::int64_t position_ns = 0;  // timestamp of the last shipped event (progress in the window)
  bool done = false;

  // Totals over every run of this backfill.
  std::uint64_t events = 0;
  std::uint64_t pages = 0;
  std::uint64_t requests = 0;
  std::uint64_t search_requests = 0;  // spent finding the window's first event
  double elapsed_s = 0;
  std::vector<sink_totals> per_sink;
};

std::string progress_to_json(const progress_state& p);
// nullopt with `why` for anything that is not progress_to_json's output.
std::optional<progress_state> progress_from_json(std::string_view text, std::string& why);

struct loaded_progress {
  enum class kind { missing, loaded, invalid, io_error } what = kind::missing;
  progress_state value;
  std::string message;
};
loaded_progress load_progress(const std::filesystem::path& file);
// Atomic (temp file, fsync, rename): a kill -9 leaves the previous or the new progress, never half of one.
state::status save_progress(const std::filesystem::path& file, const progress_state& p);

}  // namespace sf::backfill
