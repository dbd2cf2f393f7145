// The poll loop and the delivery loop, joined by a small bounded queue so fetching overlaps with storing.
#include "daemon/forwarder/forwarder.hpp"

#include "config/rfc3339.hpp"
#include "daemon/http/client.hpp"
#include "daemon/log/logger.hpp"
#include "daemon/retry/backoff.hpp"
#include "daemon/runtime/stopper.hpp"
#include "daemon/source/audit_reader.hpp"
#include "daemon/source/rate_limiter.hpp"
#include "daemon/source/scaleft_api.hpp"
#include "daemon/state/checkpoint.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <stdexcept>

namespace sf::forwarder {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using page_ptr = std::shared_ptr<source::fetched_page>;
using page_channel = asio::experimental::channel<void(boost::system::error_code, page_ptr)>;

namespace {

http::url source_url(const config::source_config& s) {
  auto u = http::parse_url(s.url);
  if (!u) throw std::runtime_error("source.url is not an http(s) URL: " + s.url);
  return *u;
}

http::client_options source_client_options(const config::source_config& s) {
  http::client_options o;
  o.ca_file = s.ca_file;
  o.timeout = s.request_timeout;
  o.max_response_bytes = 64ull * 1024 * 1024;  // a 1000-event page is about 1-2 MB
  return o;
}

}  // namespace

struct forwarder::impl {
  impl(asio::io_context& io, config::forwarder_config c, run_options o, std::vector<std::unique_ptr<sinks::sink>> s)
      : cfg(std::move(c)),
        opts(o),
        sinks(std::move(s)),
        stop(io.get_executor()),
        client(io.get_executor(), source_url(cfg.source), source_client_options(cfg.source)),
        api(client, cfg.source.team, source::api_key{cfg.source.key_id, cfg.source.key_secret.value}),
        reader(api, limiter, stop, cfg.source, cfg.retry),
        queue(io.get_executor(), 2) {
    api.on_response = [this](const http::response& res) { limiter.observe(res); };
    stop.on_stop([this] { client.cancel(); });
    auto loaded = state::load_checkpoint(cfg.state_dir);
    using kind = state::loaded_checkpoint::kind;
    if (loaded.what == kind::corrupt || loaded.what == kind::io_error) throw std::runtime_error(loaded.message);
    if (loaded.what == kind::loaded) committed = loaded.value;
  }

  asio::awaitable<void> produce() {
    std::string last_id = committed.event_id;
    if (last_id.empty()) {
      auto start = co_await reader.resolve_start();
      if (!start) {
        co_await finish_producing();
        co_return;
      }
      last_id = *start;
      log::info("no checkpoint yet; starting", {{"start_at", start_description()}, {"after_event", last_id}});
    } else {
      log::info("resuming after the checkpoint",
                {{"event_id", committed.event_id}, {"event_timestamp", committed.event_timestamp}});
    }
    std::string target = reader.page_target(last_id);
    for (;;) {
      auto page = co_await reader.fetch(target);
      if (!page) break;
      if (page->batch.empty()) {
        caught_up = true;
        if (opts.once) break;
        if (!co_await stop.sleep(cfg.source.poll_interval)) break;
        target = reader.page_target(last_id);
        continue;
      }
      last_id = std::string(page->batch.id(page->batch.size() - 1));
      target = page->next_target.value_or(reader.page_target(last_id));
      page_ptr ready = std::make_shared<source::fetched_page>(std::move(*page));
      boost::system::error_code no_error;
      auto [ec] = co_await queue.async_send(no_error, std::move(ready), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;  // the delivery loop has ended
    }
    co_await finish_producing();
  }

  // Tells the delivery loop that nothing more comes (a null page), unless it has already gone.
  asio::awaitable<void> finish_producing() {
    page_ptr end_of_pages;
    boost::system::error_code no_error;
    co_await queue.async_send(no_error, std::move(end_of_pages), asio::as_tuple(asio::use_awaitable));
  }

  asio::awaitable<void> deliver() {
    for (;;) {
      auto [ec, page] = co_await queue.async_receive(asio::as_tuple(asio::use_awaitable));
      if (ec || !page) break;
      const auto& batch = page->batch;
      for (auto& s : sinks) {
        auto report = co_await s->deliver(batch);
        log::debug("batch delivered", {{"sink", s->name()}, {"events", batch.size()}, {"stored", report.stored},
                                       {"duplicates", report.duplicates}, {"dead_lettered", report.dead_lettered}});
      }
      state::checkpoint next = committed;
      next.event_id = std::string(batch.id(batch.size() - 1));
      next.event_timestamp = std::string(batch.timestamp(batch.size() - 1));
      next.events_total += batch.size();
      // If the checkpoint cannot be written the events are stored but may be sent again after a restart:
      // duplicates are harmless (the id is kept), a checkpoint ahead of the sinks would not be.
      for (retry::backoff b(cfg.retry.initial_backoff, cfg.retry.max_backoff);;) {
        next.written_at.clear();
        auto saved = state::save_checkpoint(cfg.state_dir, next);
        if (saved.ok()) break;
        log::error("cannot write the checkpoint; retrying", {{"error", saved.error().message}});
        if (!co_await stop.sleep(b.next())) co_return;
      }
      committed = std::move(next);
      totals.events += batch.size();
      ++totals.pages;
      log_progress(false);
      if (stop.stopping()) break;
    }
    queue.close();
  }

  void log_progress(bool final) {
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_progress_log < std::chrono::seconds(10)) return;
    last_progress_log = now;
    log::info(final ? "forwarder stopped" : "progress",
              {{"events", totals.events}, {"pages", totals.pages}, {"requests", reader.stats().requests},
               {"checkpoint_event_id", committed.event_id}, {"checkpoint_timestamp", committed.event_timestamp},
               {"caught_up", caught_up}});
  }

  std::string start_description() const {
    switch (cfg.source.start_at.what) {
      case config::start_position::kind::oldest: return "oldest";
      case config::start_position::kind::newest: return "newest";
      default: return cfg.source.start_at.time;
    }
  }

  config::forwarder_config cfg;
  run_options opts;
  std::vector<std::unique_ptr<sinks::sink>> sinks;
  runtime::stopper stop;
  http::client client;
  source::scaleft_api api;
  source::rate_limiter limiter;
  source::audit_reader reader;
  page_channel queue;
  state::checkpoint committed;
  run_totals totals;
  bool caught_up = false;
  std::chrono::steady_clock::time_point last_progress_log = std::chrono::steady_clock::now();
};

forwarder::forwarder(asio::io_context& io, config::forwarder_config cfg, run_options opts,
                     std::vector<std::unique_ptr<sinks::sink>> sinks)
    : impl_(std::make_unique<impl>(io, std::move(cfg), opts, std::move(sinks))) {}

forwarder::~forwarder() = default;

asio::awaitable<run_totals> forwarder::run() {
  co_await (impl_->produce() && impl_->deliver());
  impl_->totals.requests = impl_->reader.stats().requests;
  impl_->log_progress(true);
  co_return impl_->totals;
}

void forwarder::request_stop() { impl_->stop.request_stop(); }

}  // namespace sf::forwarder
