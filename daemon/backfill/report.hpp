// What a backfill shows: a live line on a terminal, structured progress log lines elsewhere, the summary.
#pragma once

#include "daemon/backfill/backfill.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace sf::backfill {

// One line: events, events/s, the share of the window's time covered, the estimated time left.
std::string progress_line(const job_view& v);

// The final summary, several lines: events, pages, requests against the minimum, duration, events/s, and
// stored / duplicates / dead-lettered per sink.
std::string summary_text(const job_result& r, int page_size);

class progress_display {
 public:
  // `terminal`: redraw one line on `out` (at most every `redraw`); otherwise a log line every `log_every`.
  progress_display(bool terminal, std::FILE* out, std::chrono::milliseconds log_every);

  void update(const job_view& v);
  // Ends the live line so that what follows starts on a fresh line.
  void finish();

 private:
  bool terminal_;
  std::FILE* out_;
  std::chrono::milliseconds log_every_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
  phase last_phase_ = phase::searching;
};

}  // namespace sf::backfill
