// The forward loop: one poll loop fills a bounded window of pages; one delivery lane per sink drains it at
// that sink's own pace; a committer moves the checkpoint to the last event every sink has stored.
#include "daemon/forwarder/forwarder.hpp"

#include "daemon/forwarder/delivery_window.hpp"
#include "common/time/rfc3339.hpp"
#include "common/log/logger.hpp"
#include "common/log/throttle.hpp"
#include "common/retry/backoff.hpp"
#include "common/text/large_blocks.hpp"
#include "daemon/runtime/cancellation.hpp"
#include "daemon/runtime/code_pages.hpp"
#include "daemon/runtime/heap.hpp"
#include "daemon/runtime/notifier.hpp"
#include "daemon/runtime/alarm.hpp"
#include "daemon/state/checkpoint.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>

namespace sf::forwarder {

namespace asio = boost::asio;
using page = source::fetched_page;
using page_ptr = std::shared_ptr<const page>;

struct forwarder::impl {
  impl(asio::any_io_executor ex, const config::forwarder_config& c, run_options o, source::scaleft_source& src,
       std::vector<std::unique_ptr<sinks::sink>> s)
      : cfg(c),
        opts(o),
        tel(o.telemetry ? *o.telemetry : own_telemetry),
        sinks(std::move(s)),
        executor(ex),
        limiter(src.limiter()),
        api(src.api()),
        reader(src.reader()),
        keys(src.keys()),
        window(sinks.size(), cfg.buffer.max_events, cfg.buffer.max_bytes),
        page_ready(executor),
        room_made(executor),
        page_delivered(executor) {
    if (sinks.empty()) throw std::runtime_error("no sinks configured");
    // The limiter read the headers already (the API feeds it every response).
    api.on_response = [this](const http::response&) { tel.rate_limit_remaining = limiter.remaining(); };
    api.on_exchange = [this](std::string_view target, unsigned status) {
      tel.count_request(ops::endpoint_of(target), status);
    };
    api.on_token_minted = [this] {
      if (!tel.authenticated_at) tel.authenticated_at = std::chrono::steady_clock::now();
    };
    reader.on_source_problem = [this](std::string_view reason) { tel.source_problem = std::string(reason); };
    reader.on_lost_offset = [this] { ++tel.lost_offsets; };
    tel.sinks.clear();
    for (std::size_t i = 0; i < sinks.size(); ++i)
      sinks[i]->set_observer(
          tel.add_sink(std::string(sinks[i]->name()), i < cfg.sinks.size() ? cfg.sinks[i].type() : "other"));
    auto loaded = state::load_checkpoint(cfg.state_dir);
    using kind = state::loaded_checkpoint::kind;
    if (loaded.what == kind::corrupt || loaded.what == kind::io_error) throw std::runtime_error(loaded.message);
    if (loaded.what == kind::loaded) committed = loaded.value;
    note_checkpoint();
  }

  // Telemetry: plain assignments on the event-loop thread.
  void note_checkpoint() {
    tel.checkpoint_event_id = committed.event_id;
    tel.checkpoint_events_total = committed.events_total;
    if (auto ns = time::parse_rfc3339_ns(committed.event_timestamp))
      tel.checkpoint_event_time = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(*ns)));
  }
  void note_buffer() {
    const auto now = std::chrono::steady_clock::now();
    tel.buffered_events = window.buffered_events();
    tel.buffered_bytes = window.buffered_bytes();
    for (std::size_t s = 0; s < sinks.size(); ++s) tel.set_pending(s, window.backlog(s), now);
  }

  // Runs `f` when the coroutine's frame goes, however it ends (a return, a failure, its end at terminal).
  struct at_exit {
    std::function<void()> f;
    ~at_exit() { f(); }
  };

  // The one poll loop: fetches pages in order while the window has room. A stop ends the fetch or the wait
  // in progress (the task group passes it on as terminal cancellation) and the loop.
  asio::awaitable<void> produce() {
    at_exit done{[this] {
      producer_done = true;
      page_ready.notify_all();
    }};
    std::string last_id = committed.event_id;
    if (last_id.empty()) {
      auto start = co_await reader.resolve_start();
      if (!start) co_return;
      last_id = *start;
      log::info("no checkpoint yet; starting", {{"start_at", start_description()}, {"after_event", last_id}});
    } else {
      log::info("resuming after the checkpoint",
                {{"event_id", committed.event_id}, {"event_timestamp", committed.event_timestamp}});
      reader.remember_position(committed.event_id, committed.event_timestamp);  // a lost offset's age
    }
    std::string target = reader.page_target(last_id);
    for (;;) {
      if (co_await runtime::stop_requested()) break;
      if (!window.has_room()) {
        // In a catch-up the buffer fills on nearly every page: that is back-pressure working, so the first
        // pause is logged and later ones once a minute, with how many went unlogged.
        if (!paused_for_room && pause_log.due(std::chrono::steady_clock::now()))
          log::info("buffer full; polling pauses until the slowest sink catches up",
                    {{"buffered_events", window.buffered_events()}, {"buffered_bytes", window.buffered_bytes()},
                     {"pauses_not_logged", pause_log.suppressed()}});
        paused_for_room = true;
        co_await room_made.wait();
        continue;
      }
      paused_for_room = false;
      auto fetched = co_await reader.fetch(target);
      if (!fetched) break;
      ++tel.pages;
      tel.events_received += fetched->batch.size();
      tel.last_source_progress = std::chrono::steady_clock::now();
      if (fetched->batch.empty()) {
        caught_up = true;
        if (opts.once) break;
        // Caught up and every page delivered: the catch-up's pages are freed, so give their memory back
        // once (the heap stays at its high-water mark otherwise), with the parser's and renderer's page-sized
        // buffers, the kept blocks of its documents and the pages of code and constants only the catch-up
        // used. Later empty polls find nothing to give.
        if (!heap_released && window.buffered_pages() == 0) {
          reader.release_page_buffers();
          text::large_blocks::release_kept();
          runtime::release_idle_file_pages();  // first: reading smaps allocates, and the trim hands it back
          runtime::release_free_heap();
          heap_released = true;
          ++tel.heap_releases;
        }
        if (!co_await runtime::sleep(cfg.source.poll_interval)) break;
        target = reader.page_target(last_id);
        continue;
      }
      heap_released = false;
      last_id = std::string(fetched->batch.id(fetched->batch.size() - 1));
      target = fetched->next_target.value_or(reader.page_target(last_id));
      window.push(std::make_shared<const page>(std::move(*fetched)));
      note_buffer();
      page_ready.notify_all();
    }
  }

  // One lane per sink: delivers every page in order. On stop it finishes the page in hand and ends; at the
  // end of the grace (terminal cancellation) the delivery in hand is abandoned, uncounted.
  asio::awaitable<void> deliver(std::size_t s) {
    at_exit done{[this] {
      --lanes_running;
      page_delivered.notify_all();
      room_made.notify_all();
    }};
    sinks::sink& sink = *sinks[s];
    for (;;) {
      if (co_await runtime::stop_requested()) break;
      page_ptr next = window.next_for(s);
      if (!next) {
        if (producer_done) break;
        co_await page_ready.wait();
        continue;
      }
      const auto started = std::chrono::steady_clock::now();
      sinks::delivery_report report = co_await runtime::finish_on_stop(sink.deliver(next->batch));
      window.delivered(s);
      const auto finished = std::chrono::steady_clock::now();
      tel.delivered(s, report.stored + report.duplicates, report.duplicates,
                    std::chrono::duration<double>(finished - started).count(), finished);
      note_buffer();
      page_delivered.notify_all();
      log::debug("batch delivered",
                 {{"sink", sink.name()}, {"events", next->batch.size()}, {"stored", report.stored},
                  {"duplicates", report.duplicates}, {"dead_lettered", report.dead_lettered},
                  {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                               started).count()}});
    }
  }

  // Moves the checkpoint behind every sink. Delivered pages are released as soon as no write is running
  // (their memory, the window's room); the checkpoint write (two fsyncs, on the state thread) comes at most
  // once per checkpoint_interval and takes every page delivered since the last one. Pages delivered while
  // the disk is slower than the sinks are committed together too. It ends once every lane has ended and
  // what they delivered is committed; then the run is over and the group stops.
  asio::awaitable<void> commit() {
    at_exit done{[this] { commit_due.cancel(); }};  // however it ends: a wake left set would hold the run
    std::optional<state::checkpoint> pending;  // delivered, not yet written
    std::optional<std::chrono::steady_clock::time_point> last_write;  // none yet: the first page goes at once
    for (;;) {
      auto released = window.pop_delivered();
      if (released.newest) {
        note_buffer();
        room_made.notify_all();
        const auto& batch = released.newest->batch;
        if (!pending) pending = committed;
        pending->event_id = std::string(batch.id(batch.size() - 1));
        pending->event_timestamp = std::string(batch.timestamp(batch.size() - 1));
        pending->events_total += released.events;
        pending->written_at.clear();
      }
      const bool ending = lanes_running == 0;
      const auto now = std::chrono::steady_clock::now();
      if (pending && (ending || !last_write || now - *last_write >= cfg.checkpoint_interval)) {
        // Nothing changes `pending` while the write runs: this loop is the only one that adds to it.
        const state::checkpoint next = *pending;
        const bool written = co_await save(next);
        last_write = std::chrono::steady_clock::now();
        if (written) {
          pending.reset();
        } else if (ending) {
          break;  // a stop, and the disk still refuses: the old checkpoint stays (whole, behind the sinks)
        }
        // Not written and lanes still finishing (a stop): what is held stays pending for one more try.
        continue;
      }
      if (ending) break;
      // A lane's delivery wakes this, and so does the interval's end when a write is pending (then no page
      // may come for a while: a caught-up source, a slow sink).
      if (pending) commit_due.wake_at(*last_write + cfg.checkpoint_interval, page_delivered);
      co_await page_delivered.wait();  // a stop ends the wait too; the lanes' ends are what counts here
    }
    group->stop();  // nothing is left to deliver: the key rotation task and the services end too
  }

  // If the checkpoint cannot be written the events are stored but may be sent again after a restart:
  // duplicates are harmless (the id is kept); a checkpoint ahead of the sinks would not be.
  // The write runs on the state thread; plain callbacks carry it there and back (no coroutine lambdas: GCC 12
  // mishandles captures in coroutine frames), and the coroutine waits on a notifier.
  // True once written; false when a stop came while the write was failing (it is not retried then).
  asio::awaitable<bool> save(const state::checkpoint& next) {
    for (retry::backoff b(cfg.retry.initial_backoff, cfg.retry.max_backoff);;) {
      save_pending = next;
      save_running = true;
      asio::post(state_thread, [this] {
        state::status st = state::save_checkpoint(cfg.state_dir, save_pending);
        asio::post(executor, [this, st] {
          save_result = st;
          save_running = false;
          save_done.notify_all();
        });
      });
      while (save_running) co_await save_done.wait();
      if (save_result.ok()) break;
      log::error("cannot write the checkpoint; retrying", {{"error", save_result.error().message}});
      // On a stop, leave the old checkpoint: it is whole and behind the sinks.
      if (!co_await runtime::sleep(b.next())) co_return false;
    }
    totals.events += next.events_total - committed.events_total;
    committed = next;
    note_checkpoint();
    ++commits;
    log_progress(false);
    co_return true;
  }

  void log_progress(bool final) {
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_progress_log < std::chrono::seconds(10)) return;
    last_progress_log = now;
    log::info(final ? "forwarder stopped" : "progress",
              {{"events", totals.events}, {"pages", reader.stats().pages}, {"requests", reader.stats().requests},
               {"checkpoint_event_id", committed.event_id}, {"checkpoint_timestamp", committed.event_timestamp},
               {"buffered_events", window.buffered_events()}, {"caught_up", caught_up}});
  }

  std::string start_description() const {
    switch (cfg.source.start_at.what) {
      case config::start_position::kind::oldest: return "oldest";
      case config::start_position::kind::newest: return "newest";
      default: return cfg.source.start_at.time;
    }
  }

  // The key is chosen (and a rotation a crash interrupted is finished) before the first page is asked for.
  asio::awaitable<void> begin() {
    co_await keys.start();
    if (co_await runtime::stop_requested()) co_return;
    group->spawn("key rotation", keys.run());
    lanes_running = sinks.size();
    group->spawn("poll", produce());
    for (std::size_t s = 0; s < sinks.size(); ++s) group->spawn("deliver to " + std::string(sinks[s]->name()), deliver(s));
    group->spawn("commit", commit());
  }

  config::forwarder_config cfg;
  run_options opts;
  ops::telemetry own_telemetry;
  ops::telemetry& tel;
  std::vector<std::unique_ptr<sinks::sink>> sinks;
  asio::any_io_executor executor;
  runtime::task_group* group = nullptr;  // the run's tasks, set by start()
  source::rate_limiter& limiter;  // the source's, for telemetry
  source::scaleft_api& api;
  source::audit_reader& reader;
  keys::key_manager& keys;  // chooses and rotates the API key that `api` uses
  delivery_window<page> window;
  runtime::notifier page_ready;      // the poll loop added a page, or ended
  runtime::notifier room_made;       // the window released pages
  runtime::notifier page_delivered;  // a lane delivered a page, or ended, or a checkpoint write is due
  runtime::alarm commit_due{executor};  // notifies page_delivered when a pending checkpoint is due
  runtime::notifier save_done{executor};
  state::checkpoint save_pending;  // read by the state thread while save_running
  state::status save_result;
  bool save_running = false;
  asio::thread_pool state_thread{1};
  state::checkpoint committed;
  run_totals totals;
  std::uint64_t commits = 0;
  std::size_t lanes_running = 0;
  bool producer_done = false;
  bool paused_for_room = false;
  log::throttle pause_log{std::chrono::minutes(1)};
  bool caught_up = false;
  bool heap_released = false;  // since the last page with events
  std::chrono::steady_clock::time_point last_progress_log = std::chrono::steady_clock::now();
};

forwarder::forwarder(asio::any_io_executor ex, const config::forwarder_config& cfg, run_options opts,
                     source::scaleft_source& source, std::vector<std::unique_ptr<sinks::sink>> sinks)
    : impl_(std::make_unique<impl>(ex, cfg, opts, source, std::move(sinks))) {}

forwarder::~forwarder() = default;

void forwarder::start(runtime::task_group& group) {
  impl_->group = &group;
  group.spawn("start", impl_->begin());
}

run_totals forwarder::finish() {
  impl_->totals.pages = impl_->reader.stats().pages;
  impl_->totals.requests = impl_->reader.stats().requests;
  impl_->log_progress(true);
  return impl_->totals;
}

}  // namespace sf::forwarder
