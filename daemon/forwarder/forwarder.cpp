// The forward loop: one poll loop fills a bounded window of pages; one delivery lane per sink drains it at
// that sink's own pace; a committer moves the checkpoint to the last event every sink has stored.
#include "daemon/forwarder/forwarder.hpp"

#include "daemon/forwarder/delivery_window.hpp"
#include "common/http/client.hpp"
#include "daemon/keys/key_manager.hpp"
#include "common/time/rfc3339.hpp"
#include "common/log/logger.hpp"
#include "common/retry/backoff.hpp"
#include "daemon/runtime/notifier.hpp"
#include "daemon/runtime/stopper.hpp"
#include "daemon/source/audit_reader.hpp"
#include "daemon/source/rate_limiter.hpp"
#include "daemon/source/scaleft_api.hpp"
#include "daemon/source/source_client.hpp"
#include "daemon/state/checkpoint.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <stdexcept>

namespace sf::forwarder {

namespace asio = boost::asio;
using page = source::fetched_page;
using page_ptr = std::shared_ptr<const page>;

struct forwarder::impl {
  impl(asio::io_context& io, config::forwarder_config c, run_options o, std::vector<std::unique_ptr<sinks::sink>> s)
      : cfg(std::move(c)),
        opts(o),
        tel(o.telemetry ? *o.telemetry : own_telemetry),
        sinks(std::move(s)),
        executor(io.get_executor()),
        stop(executor),
        client(executor, source::source_url(cfg.source), source::source_client_options(cfg.source)),
        api(client, cfg.source.team, source::api_key{cfg.source.key_id, cfg.source.key_secret.value}),
        limiter(cfg.source.rate_limit_headroom),
        reader(api, limiter, stop, cfg.source, cfg.retry),
        keys(executor, cfg, api, stop, tel),
        window(sinks.size(), cfg.buffer.max_events, cfg.buffer.max_bytes),
        page_ready(executor),
        room_made(executor),
        page_delivered(executor) {
    if (sinks.empty()) throw std::runtime_error("no sinks configured");
    api.on_response = [this](const http::response& res) {
      limiter.observe(res);
      tel.rate_limit_remaining = limiter.remaining();
    };
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
    stop.on_stop([this] {
      client.cancel();
      page_ready.notify_all();
      room_made.notify_all();
      page_delivered.notify_all();
    });
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

  // The one poll loop: fetches pages in order while the window has room.
  asio::awaitable<void> produce() {
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
    while (!stop.stopping()) {
      if (!window.has_room()) {
        if (!paused_for_room) {
          log::info("buffer full; polling pauses until the slowest sink catches up",
                    {{"buffered_events", window.buffered_events()}, {"buffered_bytes", window.buffered_bytes()}});
          paused_for_room = true;
        }
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
        if (!co_await stop.sleep(cfg.source.poll_interval)) break;
        target = reader.page_target(last_id);
        continue;
      }
      last_id = std::string(fetched->batch.id(fetched->batch.size() - 1));
      target = fetched->next_target.value_or(reader.page_target(last_id));
      window.push(std::make_shared<const page>(std::move(*fetched)));
      note_buffer();
      page_ready.notify_all();
    }
  }

  // One lane per sink: delivers every page in order. On stop it finishes the page in hand and ends.
  asio::awaitable<void> deliver(std::size_t s) {
    sinks::sink& sink = *sinks[s];
    while (!stop.stopping()) {
      page_ptr next = window.next_for(s);
      if (!next) {
        if (producer_done) break;
        co_await page_ready.wait();
        continue;
      }
      const auto started = std::chrono::steady_clock::now();
      auto report = co_await sink.deliver(next->batch);
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

  // Moves the checkpoint behind every sink. Checkpoint writes (two fsyncs) run on the state thread, and
  // several delivered pages are committed by one write when the disk is slower than the sinks.
  asio::awaitable<void> commit() {
    for (;;) {
      auto released = window.pop_delivered();
      if (released.newest) {
        note_buffer();
        room_made.notify_all();
        const auto& batch = released.newest->batch;
        state::checkpoint next = committed;
        next.event_id = std::string(batch.id(batch.size() - 1));
        next.event_timestamp = std::string(batch.timestamp(batch.size() - 1));
        next.events_total += released.events;
        next.written_at.clear();
        co_await save(next);
        continue;
      }
      if (lanes_running == 0) break;
      co_await page_delivered.wait();
    }
  }

  // If the checkpoint cannot be written the events are stored but may be sent again after a restart:
  // duplicates are harmless (the id is kept); a checkpoint ahead of the sinks would not be.
  // The write runs on the state thread; plain callbacks carry it there and back (no coroutine lambdas: GCC 12
  // mishandles captures in coroutine frames), and the coroutine waits on a notifier.
  asio::awaitable<void> save(const state::checkpoint& next) {
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
      if (stop.stopping()) co_return;  // leave the old checkpoint: it is whole and behind the sinks
      asio::steady_timer t(executor, b.next());
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    totals.events += next.events_total - committed.events_total;
    committed = next;
    note_checkpoint();
    ++commits;
    log_progress(false);
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

  // Runs `body`, logs an escaped exception, and marks the coroutine finished.
  void spawn(asio::awaitable<void> body, std::string what, std::function<void()> on_done) {
    asio::co_spawn(executor, std::move(body), [this, what, on_done](std::exception_ptr ep) {
      if (ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const boost::system::system_error& e) {
          if (e.code() != asio::error::operation_aborted) {
            log::error("a forwarder task failed", {{"task", what}, {"error", e.what()}});
            failed = true;
          }
        } catch (const std::exception& e) {
          log::error("a forwarder task failed", {{"task", what}, {"error", e.what()}});
          failed = true;
        }
        stop.request_stop();
      }
      on_done();
    });
  }

  asio::awaitable<void> run_all() {
    notifier_all_done = std::make_unique<runtime::notifier>(executor);
    bool committer_done = false;
    bool keys_done = false;
    // The key is chosen (and a rotation a crash interrupted is finished) before the first page is asked for.
    co_await keys.start();
    spawn(keys.run(), "key rotation", [&] { keys_done = true; });
    lanes_running = sinks.size();
    spawn(produce(), "poll", [this] {
      producer_done = true;
      page_ready.notify_all();
    });
    for (std::size_t s = 0; s < sinks.size(); ++s) {
      spawn(deliver(s), "deliver to " + std::string(sinks[s]->name()), [this] {
        --lanes_running;
        page_delivered.notify_all();
        room_made.notify_all();
      });
    }
    spawn(commit(), "commit", [&] {
      committer_done = true;
      notifier_all_done->notify_all();
    });
    while (!committer_done) co_await notifier_all_done->wait();
    // The lanes have ended; if the poll loop still waits for room, let it see the stop.
    stop.request_stop();
    while (!producer_done || !keys_done) {
      asio::steady_timer t(executor, std::chrono::milliseconds(1));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  config::forwarder_config cfg;
  run_options opts;
  ops::telemetry own_telemetry;
  ops::telemetry& tel;
  std::vector<std::unique_ptr<sinks::sink>> sinks;
  asio::any_io_executor executor;
  runtime::stopper stop;
  http::client client;
  source::scaleft_api api;
  source::rate_limiter limiter;
  source::audit_reader reader;
  keys::key_manager keys;  // chooses and rotates the API key that `api` uses
  delivery_window<page> window;
  runtime::notifier page_ready;      // the poll loop added a page, or ended
  runtime::notifier room_made;       // the window released pages
  runtime::notifier page_delivered;  // a lane delivered a page, or ended
  std::unique_ptr<runtime::notifier> notifier_all_done;
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
  bool caught_up = false;
  bool failed = false;
  std::chrono::steady_clock::time_point last_progress_log = std::chrono::steady_clock::now();
};

forwarder::forwarder(asio::io_context& io, config::forwarder_config cfg, run_options opts,
                     std::vector<std::unique_ptr<sinks::sink>> sinks)
    : impl_(std::make_unique<impl>(io, std::move(cfg), opts, std::move(sinks))) {}

forwarder::~forwarder() = default;

asio::awaitable<run_totals> forwarder::run() {
  co_await impl_->run_all();
  impl_->totals.pages = impl_->reader.stats().pages;
  impl_->totals.requests = impl_->reader.stats().requests;
  impl_->log_progress(true);
  if (impl_->failed) throw std::runtime_error("the forwarder stopped after a failure (see the log above)");
  co_return impl_->totals;
}

void forwarder::request_stop() { impl_->stop.request_stop(); }

}  // namespace sf::forwarder
