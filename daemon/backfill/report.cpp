// Progress line, progress log records and the final summary of a backfill.
#include "daemon/backfill/report.hpp"

#include "common/time/rfc3339.hpp"
#include "common/log/logger.hpp"

#include <fmt/format.h>

namespace sf::backfill {
namespace {

double per_second(std::uint64_t n, std::chrono::steady_clock::duration d) {
  const double s = std::chrono::duration<double>(d).count();
  return s > 0 ? static_cast<double>(n) / s : 0.0;
}

time_window window_of(const progress_state& p) {
  return {p.since_ns, p.until_ns};
}

}  // namespace

std::string progress_line(const job_view& v) {
  const auto& p = v.progress;
  const double f = covered_fraction(window_of(p), p.position_ns);
  std::string line;
  switch (v.now) {
    case phase::searching:
      return fmt::format("backfill: searching for the window's first event ({} requests)", p.requests);
    case phase::waiting_rate_limit:
      return fmt::format(
          "backfill: {} events, waiting {} for the ScaleFT rate limit (shared with the daemon)", p.events,
          format_duration(std::chrono::duration_cast<std::chrono::seconds>(v.rate_limit_wait +
                                                                           std::chrono::milliseconds(999))));
    default:
      break;
  }
  line = fmt::format("backfill: {} events, {:.0f} events/s, {:.1f}% of the window", p.events,
                     per_second(v.events_this_run, v.run_elapsed), f * 100.0);
  if (v.now == phase::finished) return line + ", done";
  // Time left from this run's pace over the part of the window this run covered.
  if (auto left = estimate_left(v.elapsed, f)) line += ", about " + format_duration(*left) + " left";
  return line;
}

std::string summary_text(const job_result& r, int page_size) {
  const auto& p = r.progress;
  const auto minimum = minimum_requests(p.events, page_size);
  const double secs = p.elapsed_s;
  std::string out;
  out += fmt::format(
      "backfill {} {} .. {}\n",
      r.what == job_result::kind::completed ? "complete" : "interrupted (run the same command to continue)",
      time::format_rfc3339_ns(p.since_ns), time::format_rfc3339_ns(p.until_ns));
  out += fmt::format("  events:    {}\n", p.events);
  out += fmt::format("  pages:     {}\n", p.pages);
  out += fmt::format("  requests:  {} (search {}; minimum for this window {}, {} over it)\n", p.requests,
                     p.search_requests, minimum, p.requests > minimum ? p.requests - minimum : 0);
  out += fmt::format("  duration:  {:.1f}s{}\n", secs, r.resumed ? " (all runs)" : "");
  out += fmt::format("  events/s:  {:.0f}\n", secs > 0 ? static_cast<double>(p.events) / secs : 0.0);
  for (const auto& s : p.per_sink) {
    out += fmt::format("  sink {}: stored {}, duplicates {}, dead-lettered {}\n", s.name, s.stored,
                       s.duplicates, s.dead_lettered);
  }
  return out;
}

progress_display::progress_display(bool terminal, std::FILE* out, std::chrono::milliseconds log_every)
    : terminal_(terminal), out_(out), log_every_(log_every) {}

void progress_display::update(const job_view& v) {
  const auto now = std::chrono::steady_clock::now();
  const bool changed = v.now != last_phase_;
  last_phase_ = v.now;
  if (terminal_) {
    if (!changed && drawn_ && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    drawn_ = true;
    // \r and "erase line": the line is redrawn in place. The cursor goes back to the line's start, so a log
    // record written meanwhile (always longer than this line) replaces it instead of being glued to its end.
    std::fprintf(out_, "\r\033[K%s\r", progress_line(v).c_str());
    std::fflush(out_);
    return;
  }
  if (v.now == phase::waiting_rate_limit || v.now == phase::finished) return;  // logged on their own
  if (drawn_ && now - last_ < log_every_) return;
  last_ = now;
  drawn_ = true;
  const auto& p = v.progress;
  const double f = covered_fraction(window_of(p), p.position_ns);
  auto left = estimate_left(v.elapsed, f);
  log::info("backfill progress", {{"phase", v.now == phase::searching ? "searching" : "shipping"},
                                  {"events", p.events},
                                  {"events_per_s", per_second(v.events_this_run, v.run_elapsed)},
                                  {"requests", p.requests},
                                  {"window_covered_pct", f * 100.0},
                                  {"position", time::format_rfc3339_ns(p.position_ns)},
                                  {"eta_s", left ? static_cast<std::int64_t>(left->count()) : -1}});
}

void progress_display::finish() {
  if (terminal_ && drawn_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

}  // namespace sf::backfill
