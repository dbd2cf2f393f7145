// The backfill job: a search for the window's start (newest-first, oldest-first, or both), then an
// oldest-first walk to the window's end, with progress saved after every delivered page.
#include "daemon/backfill/backfill.hpp"

#include "common/time/rfc3339.hpp"
#include "common/log/logger.hpp"
#include "daemon/runtime/cancellation.hpp"
#include "daemon/state/state_dir.hpp"

#include <algorithm>
#include <stdexcept>

namespace sf::backfill {

namespace asio = boost::asio;
using source::fetched_page;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t ts_of(const audit::event_batch& b, std::size_t i) {
  return time::parse_rfc3339_ns(b.timestamp(i)).value_or(0);
}

}  // namespace

struct job::impl {
  impl(asio::any_io_executor ex, const config::forwarder_config& c, job_options o, source::scaleft_source& src,
       std::vector<std::unique_ptr<sinks::sink>> s)
      : cfg(c),
        opts(std::move(o)),
        sinks(std::move(s)),
        executor(ex),
        limiter(src.limiter()),
        reader(src.reader()) {
    if (sinks.empty()) throw std::runtime_error("no sinks to backfill into");
    auto made = state::make_directories(opts.progress_file.parent_path(), state::state_dir_mode);
    if (!made.ok()) throw std::runtime_error(made.error().message);
  }

  int page_size() const { return cfg.source.page_size; }
  std::chrono::steady_clock::duration elapsed() const {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(base_elapsed_s)) +
           (std::chrono::steady_clock::now() - started);
  }

  void report(phase ph, std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    progress.requests = base_requests + reader.stats().requests;
    progress.pages = base_pages + reader.stats().pages;
    if (!on_progress) return;
    on_progress(
        job_view{progress, ph, elapsed(), wait, events_this_run, std::chrono::steady_clock::now() - started});
  }

  bool save() {
    progress.requests = base_requests + reader.stats().requests;
    progress.pages = base_pages + reader.stats().pages;
    progress.elapsed_s = std::chrono::duration<double>(elapsed()).count();
    auto st = save_progress(opts.progress_file, progress);
    if (!st.ok()) {
      // Not fatal: the backfill goes on; a restart would only ship some events again (same ids).
      log::warn("cannot save the backfill progress", {{"error", st.error().message}});
    }
    return st.ok();
  }

  // Loads progress kept for this backfill, unless --restart; decides the window's `until` on a first run.
  bool resume_or_start() {
    if (!opts.restart) {
      auto loaded = load_progress(opts.progress_file);
      using kind = loaded_progress::kind;
      if (loaded.what == kind::loaded) {
        const auto& v = loaded.value;
        const bool same = v.since_ns == opts.window.since_ns && v.until_spec == opts.until_spec &&
                          v.sinks == opts.sink_names;
        if (!same) {
          log::warn("a backfill progress file belongs to another backfill; starting over",
                    {{"file", opts.progress_file.string()}});
        } else if (v.done) {
          log::info("this backfill completed before; starting it over",
                    {{"file", opts.progress_file.string()}});
        } else {
          progress = v;
          // With a defaulted --until, the window stays the one the first run chose.
          opts.window.until_ns = v.until_ns;
          return true;
        }
      } else if (loaded.what != kind::missing) {
        log::warn("ignoring the backfill progress file; starting over", {{"error", loaded.message}});
      }
    }
    progress = progress_state{};
    progress.since_ns = opts.window.since_ns;
    progress.until_ns = opts.window.until_ns;
    progress.until_spec = opts.until_spec;
    progress.sinks = opts.sink_names;
    progress.position_ns = opts.window.since_ns;
    for (const auto& s : sinks) progress.per_sink.push_back(sink_totals{std::string(s->name())});
    return false;
  }

  // Waits for the shared rate-limit budget here (not inside fetch) so the display can say why it waits.
  asio::awaitable<std::optional<fetched_page>> fetch(std::string target) {
    if (auto wait = limiter.wait_needed(); wait > wait.zero()) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait);
      log::warn(
          "waiting for the ScaleFT rate limit: the backfill shares the service user's budget (10,000 "
          "requests an hour by default) with the daemon",
          {{"wait_ms", ms.count()}, {"remaining", limiter.remaining().value_or(-1)}});
      report(phase::waiting_rate_limit, ms);
      if (!co_await runtime::sleep(wait)) co_return std::nullopt;
    }
    auto page = co_await reader.fetch(std::move(target));
    co_return page;
  }

  // Delivers one filtered batch to every sink and moves the progress past it.
  asio::awaitable<void> deliver(const audit::event_batch& batch) {
    if (batch.empty()) co_return;
    for (std::size_t s = 0; s < sinks.size(); ++s) {
      // A stop lets the delivery finish (its progress is saved); only terminal cancellation cuts it short.
      sinks::delivery_report r = co_await runtime::finish_on_stop(sinks[s]->deliver(batch));
      auto& t = progress.per_sink[s];
      t.stored += r.stored;
      t.duplicates += r.duplicates;
      t.dead_lettered += r.dead_lettered;
    }
    progress.events += batch.size();
    events_this_run += batch.size();
    progress.position_ns = ts_of(batch, batch.size() - 1);
  }

  // Newest-first pages that overlap the window, kept while they fit the memory bound, so that a window found
  // near the newest end is shipped without reading it a second time.
  struct descent {
    std::vector<fetched_page> kept;
    std::size_t kept_events = 0;
    bool overflowed = false;
    bool found = false;
    std::string boundary;  // the newest event before `since` ("" = none: the window starts at the oldest)
  };

  void absorb_descending(descent& d, fetched_page&& page) {
    const auto& b = page.batch;
    bool overlaps = false;
    for (std::size_t i = 0; i < b.size(); ++i) {
      const auto ts = ts_of(b, i);
      if (ts >= opts.window.until_ns) continue;
      if (ts < opts.window.since_ns) {
        d.found = true;
        d.boundary = std::string(b.id(i));
        break;
      }
      overlaps = true;
      if (progress.last_id.empty()) progress.last_id = std::string(b.id(i));
    }
    if (!overlaps || d.overflowed) return;
    if (d.kept_events + b.size() > cfg.buffer.max_events) {
      d.overflowed = true;
      d.kept.clear();
      d.kept_events = 0;
      return;
    }
    d.kept_events += b.size();
    d.kept.push_back(std::move(page));
  }

  // Finds where the window starts. Returns false when stopped. May ship the whole window (progress.done).
  // `first_page` receives an oldest-first page the walk must start with, when the search fetched it.
  asio::awaitable<bool> search(std::optional<fetched_page>& first_page) {
    if (before_retention(opts.window, now_ns())) {
      // Everything the service still has from before `until` is in the window: start at the oldest.
      progress.located = true;
      progress.cursor.clear();
      co_return true;
    }
    report(phase::searching);
    descent d;
    std::string newest_target = reader.page_target("", true, page_size());
    auto newest = co_await fetch(newest_target);
    if (!newest) co_return false;
    ++progress.search_requests;
    edge_sample newest_edge;
    if (!newest->batch.empty()) {
      newest_edge = {ts_of(newest->batch, 0), ts_of(newest->batch, newest->size() - 1), newest->size()};
    }
    std::string next_offset = newest->batch.empty() ? "" : std::string(newest->batch.id(newest->size() - 1));
    absorb_descending(d, std::move(*newest));
    // Pages still to read newest-first at the newest page's pace: when that is at most two, looking at the
    // oldest page first cannot pay for itself.
    bool probe_oldest = !d.found;
    if (probe_oldest && newest_edge.events > 0) {
      const double rate =
          static_cast<double>(newest_edge.events) /
          static_cast<double>(std::max<std::int64_t>(1, newest_edge.first_ns - newest_edge.last_ns));
      const double pages_left =
          static_cast<double>(newest_edge.last_ns - opts.window.since_ns) * rate / page_size();
      probe_oldest = pages_left > 2.0;
    }
    if (probe_oldest) {
      // The newest page did not reach `since`: look at the oldest page too, then go the cheaper way.
      std::string oldest_target = reader.page_target("", false, page_size());
      auto oldest = co_await fetch(oldest_target);
      if (!oldest) co_return false;
      ++progress.search_requests;
      const auto& ob = oldest->batch;
      if (ob.empty() || ts_of(ob, ob.size() - 1) >= opts.window.since_ns) {
        progress.located = true;
        progress.cursor.clear();
        first_page = std::move(*oldest);
        co_return true;
      }
      const edge_sample oldest_edge{ts_of(ob, 0), ts_of(ob, ob.size() - 1), ob.size()};
      const auto choice =
          choose_direction(opts.window, oldest_edge, newest_edge, page_size(), cfg.buffer.max_events);
      log::info("searching for the window's first event",
                {{"direction", choice.way == direction::ascending ? "oldest-first" : "newest-first"},
                 {"estimated_pages_oldest_first", choice.ascending_pages},
                 {"estimated_pages_newest_first", choice.descending_pages}});
      if (choice.way == direction::ascending) {
        progress.located = true;
        progress.cursor = std::string(ob.id(ob.size() - 1));  // all of this page is before `since`
        co_return true;
      }
    }
    if (!d.found) {
      while (!d.found) {
        std::string target = reader.page_target(next_offset, true, page_size());
        auto page = co_await fetch(target);
        if (!page) co_return false;
        ++progress.search_requests;
        report(phase::searching);
        if (page->batch.empty()) {
          d.found = true;
          break;
        }
        next_offset = std::string(page->batch.id(page->size() - 1));
        absorb_descending(d, std::move(*page));
      }
    }
    progress.located = true;
    progress.cursor = d.boundary;
    if (d.overflowed) co_return true;  // the walk reads the window oldest-first, up to progress.last_id
    // The whole window is in memory: ship it oldest-first, saving progress after each page.
    save();
    for (auto it = d.kept.rbegin(); it != d.kept.rend(); ++it) {
      auto f = filter_page(it->batch, opts.window, /*reverse=*/true);
      co_await deliver(f.batch);
      if (!f.batch.empty()) progress.cursor = std::string(f.batch.id(f.batch.size() - 1));
      save();
      report(phase::shipping);
      if (co_await runtime::stop_requested()) co_return false;
    }
    progress.done = true;
    co_return true;
  }

  // Oldest-first from progress.cursor to the window's end. Returns false when stopped.
  asio::awaitable<bool> walk(std::optional<fetched_page> first_page) {
    for (;;) {
      if (co_await runtime::stop_requested()) co_return false;
      std::optional<fetched_page> page;
      if (first_page) {
        page = std::move(first_page);
        first_page.reset();
      } else {
        std::string target = reader.page_target(progress.cursor, false, page_size());
        page = co_await fetch(target);
        if (!page) co_return false;
      }
      const auto& b = page->batch;
      if (b.empty()) break;
      auto f = filter_page(b, opts.window);
      // Pages wholly before the window are part of finding it.
      if (f.before == b.size() && progress.events == 0) ++progress.search_requests;
      co_await deliver(f.batch);
      progress.cursor = std::string(b.id(b.size() - 1));
      // Only an empty page is the end of the data (a page may be short while more exist): the walk ends
      // early only on proof that the window is covered, an event at or after `until` or the window's newest.
      bool end = f.reached_until;
      if (!progress.last_id.empty()) {
        for (std::size_t i = 0; i < b.size() && !end; ++i) end = b.id(i) == progress.last_id;
      }
      if (end) break;
      save();
      report(phase::shipping);
    }
    progress.done = true;
    co_return true;
  }

  asio::awaitable<job_result> run() {
    job_result result;
    result.resumed = resume_or_start();
    base_requests = progress.requests;
    base_pages = progress.pages;
    base_elapsed_s = progress.elapsed_s;
    started = std::chrono::steady_clock::now();
    if (result.resumed) {
      log::info("resuming the backfill", {{"file", opts.progress_file.string()},
                                          {"events_so_far", progress.events},
                                          {"cursor", progress.cursor},
                                          {"located", progress.located}});
    }
    if (before_retention(opts.window, now_ns())) {
      log::warn(
          "--since is more than 90 days ago and the ScaleFT service keeps only 90 days of events; "
          "backfilling the part it still has",
          {{"since", time::format_rfc3339_ns(opts.window.since_ns)},
           {"oldest_available", time::format_rfc3339_ns(now_ns() - retention_ns)}});
    }
    bool ok = true;
    std::optional<fetched_page> first_page;
    if (!progress.located) ok = co_await search(first_page);
    if (ok && !progress.done) ok = co_await walk(std::move(first_page));
    save();
    report(progress.done ? phase::finished : phase::shipping);
    result.what = progress.done ? job_result::kind::completed : job_result::kind::stopped;
    result.progress = progress;
    result.events_this_run = events_this_run;
    result.run_elapsed = std::chrono::steady_clock::now() - started;
    co_return result;
  }

  const config::forwarder_config& cfg;
  job_options opts;
  std::vector<std::unique_ptr<sinks::sink>> sinks;
  asio::any_io_executor executor;
  source::rate_limiter& limiter;  // the source's: the display says when the job waits for it
  source::audit_reader& reader;
  std::function<void(const job_view&)> on_progress;
  progress_state progress;
  std::uint64_t base_requests = 0;
  std::uint64_t base_pages = 0;
  double base_elapsed_s = 0;
  std::uint64_t events_this_run = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

job::job(asio::any_io_executor ex, const config::forwarder_config& cfg, job_options opts,
         source::scaleft_source& source, std::vector<std::unique_ptr<sinks::sink>> sinks)
    : impl_(std::make_unique<impl>(ex, cfg, std::move(opts), source, std::move(sinks))) {}

job::~job() = default;

asio::awaitable<job_result> job::run() {
  impl_->on_progress = on_progress;
  auto r = co_await impl_->run();
  co_return r;
}

}  // namespace sf::backfill
