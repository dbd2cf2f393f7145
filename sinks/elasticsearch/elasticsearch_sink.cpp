// The Elasticsearch sink: _bulk `create` with the event id, per-item retry, dead letter, failover and TLS.
#include "sinks/elasticsearch/elasticsearch_sink.hpp"

#include "common/time/rfc3339.hpp"
#include "config/index_pattern.hpp"
#include "common/http/client.hpp"
#include "common/log/logger.hpp"
#include "common/retry/backoff.hpp"
#include "sinks/elasticsearch/bulk.hpp"
#include "sinks/elasticsearch/client_settings.hpp"
#include "sinks/elasticsearch/dead_letter.hpp"
#include "sinks/elasticsearch/gzip.hpp"
#include "sinks/elasticsearch/product_header.hpp"
#include "sinks/elasticsearch/setup_runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <ctime>
#include <deque>
#include <random>
#include <stdexcept>

namespace sf::sinks::elasticsearch {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::string_view bulk_query = "?filter_path=errors,items.*.error,items.*.status";

bool is_connection_drop(const boost::system::error_code& ec) {
  return ec == asio::error::connection_reset || ec == asio::error::broken_pipe || ec == asio::error::eof ||
         ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::ssl::error::stream_truncated;
}

[[noreturn]] void throw_cancelled() {
  throw boost::system::system_error(asio::error::operation_aborted, "elasticsearch delivery cancelled");
}

}  // namespace

struct elasticsearch_sink::impl {
  // One connection slot: up to max_in_flight run at once, each on its own keep-alive connection.
  struct slot {
    std::size_t url_index = 0;
    std::unique_ptr<http::client> client;
  };

  // What one pass over the pending items produced; shared by the workers of that pass (one thread).
  struct round_state {
    std::deque<std::vector<std::uint32_t>> queue;
    std::vector<std::uint32_t> retry_fast;
    std::vector<std::uint32_t> retry_slow;
    std::string dead_lines;
    std::vector<std::uint32_t> dead_items;
    std::size_t stored = 0;
    std::size_t duplicates = 0;
    std::size_t requests = 0;
    elasticsearch::bulk_format format;  // this delivery's targets and document extras
    // Shared with the whole delivery: the largest body (before gzip) worth sending after a 413 or repeated
    // drops, and how many requests in a row lost their connection.
    std::size_t* byte_cap = nullptr;
    int* drops_in_row = nullptr;
  };

  impl(std::string n, const config::elasticsearch_sink_config& c, asio::any_io_executor ex,
       const std::string& state_dir, elasticsearch_tuning t)
      : name(std::move(n)),
        cfg(c),
        executor(ex),
        tuning(t),
        target(c.data_stream.empty() ? c.index : c.data_stream),
        pattern(make_pattern(c)),
        authorization(elasticsearch::authorization_value(c)),
        dead_letter(state_dir, name),
        fast_backoff(t.initial_backoff, t.max_backoff),
        rng(std::random_device{}()) {
    if (cfg.urls.empty()) throw std::runtime_error("elasticsearch sink " + name + ": no url");
    if (!cfg.data_stream.empty()) data_stream_tail = elasticsearch::data_stream_tail(cfg.data_stream);
    if (!cfg.pipeline.empty()) bulk_target += "&pipeline=" + http::percent_encode(cfg.pipeline);
    for (const auto& u : cfg.urls) {
      auto parsed = http::parse_url(u);
      if (!parsed) throw std::runtime_error("elasticsearch sink " + name + ": bad url " + u);
      urls.push_back(*parsed);
    }
    client_opts = elasticsearch::client_options_of(cfg, name);
    // Every URL's route now, not only those the first slots use: fail_over must not meet a bad proxy URL.
    const auto environment = http::proxy_environment::of_process();
    std::string routes;
    for (const auto& u : urls) {
      const auto route = http::choose_proxy(u, client_opts.proxy, environment);
      if (!route.error.empty()) throw std::runtime_error("elasticsearch sink " + name + ": " + route.error);
      if (routes.find(route.describe()) == std::string::npos)
        routes += (routes.empty() ? "" : ", ") + route.describe();
    }
    const int n_slots = std::max(1, cfg.max_in_flight);
    for (int i = 0; i < n_slots; ++i) {
      slot s;
      s.url_index = static_cast<std::size_t>(i) % urls.size();  // spread the slots over the URLs
      s.client = std::make_unique<http::client>(executor, urls[s.url_index], client_opts);  // may throw: CA
      slots.push_back(std::move(s));
    }
    log::info("elasticsearch sink ready",
              {{"sink", name},
               {"target", target},
               {"urls", urls.size()},
               {"auth", elasticsearch::auth_kind(cfg)},
               {"proxy", routes},
               {"max_in_flight", n_slots},
               {"gzip", cfg.compress == config::elasticsearch_sink_config::compression::gzip}});
    if (const auto hosts = insecure_http_hosts(cfg); !hosts.empty()) {
      std::string list;
      for (const auto& h : hosts) list += (list.empty() ? "" : ",") + h;
      log::warn("elasticsearch sink uses plain http to a host that is not loopback (allow_insecure_http): "
                "events and credentials cross the network unencrypted",
                {{"sink", name}, {"hosts", list}});
    }
  }

  // An index name with %{+...} date fields, or nullopt for a fixed name.
  static std::optional<config::index_pattern> make_pattern(const config::elasticsearch_sink_config& c) {
    if (!c.data_stream.empty()) return std::nullopt;
    std::string problem;
    auto p = config::index_pattern::parse(c.index, problem);
    if (!p) throw std::runtime_error("elasticsearch sink: index " + problem);  // the loader checked it
    if (!p->has_date()) return std::nullopt;
    return p;
  }

  // event.ingested comes from a pipeline when the bulk request names one or when setup made ours the
  // default; otherwise the sink writes the send time itself.
  bool sink_sets_ingested() const { return cfg.pipeline.empty() && !pipeline_set; }

  // A transport error: the next request of this slot goes to the next URL on a fresh connection.
  void fail_over(slot& s) {
    if (urls.size() < 2) return;
    s.url_index = (s.url_index + 1) % urls.size();
    s.client = std::make_unique<http::client>(executor, urls[s.url_index], client_opts);
  }

  void set_common_headers(http::request& req, bool bulk) const {
    if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
    if (bulk) {
      // The v8 compatibility pair only for a server known to be 8.x: a 7.x server rejects it with 400.
      if (major == 8) {
        req.set(bhttp::field::content_type, "application/vnd.elasticsearch+x-ndjson;compatible-with=8");
        req.set(bhttp::field::accept, "application/vnd.elasticsearch+json;compatible-with=8");
      } else {
        req.set(bhttp::field::content_type, "application/x-ndjson");
        req.set(bhttp::field::accept, "application/json");
      }
    } else {
      req.set(bhttp::field::accept, "application/json");
    }
  }

  void count_response(int status) {
    ++stats.requests;
    ++stats.requests_by_status[status];
    observer->on_request(std::to_string(status));
  }

  void check_product(const http::response& res) {
    const int st = static_cast<int>(res.result_int());
    if (st < 200 || st >= 300 || warned_product || !expect_product) return;
    auto it = res.find("X-elastic-product");
    if (it != res.end() && it->value() == "Elasticsearch") return;
    warned_product = true;
    // The official clients refuse such a server; we accept it (proxies strip headers) but say so once.
    log::warn("the server did not identify itself as Elasticsearch (no X-elastic-product header)",
              {{"sink", name}});
  }

  static asio::awaitable<bool> cancelled() {
    auto cs = co_await asio::this_coro::cancellation_state;
    co_return cs.cancelled() != asio::cancellation_type::none;
  }

  asio::awaitable<void> sleep(clock_type::duration d) {
    asio::steady_timer timer(executor, d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (co_await cancelled()) throw_cancelled();
  }

  // GET / for the version, then the optional index template. Neither may stop shipping: a failure is
  // logged and tried again at the next delivery (transport) or never again (an HTTP answer).
  asio::awaitable<void> handshake() {
    if (!version_known) {
      for (std::size_t i = 0; i < urls.size() && !version_known; ++i) {
        slot& s = slots[0];
        http::request req{bhttp::verb::get, http::join_path(urls[s.url_index].target, "/"), 11};
        set_common_headers(req, false);
        auto r = co_await s.client->send(std::move(req));
        if (co_await cancelled()) throw_cancelled();
        if (!r.ok()) {
          log::warn("cannot reach Elasticsearch for its version", {{"sink", name}, {"error", r.error}});
          fail_over(s);
          continue;
        }
        const int st = static_cast<int>(r.res.result_int());
        version_known = true;  // an HTTP answer, whatever it says, is final for this start
        if (st >= 200 && st < 300) {
          expect_product = elasticsearch::product_header_expected(r.res.body());
          check_product(r.res);
          if (auto v = elasticsearch::parse_version_number(r.res.body())) {
            stats.server_version = *v;
            major = elasticsearch::major_version(*v);
            log::info("connected to Elasticsearch", {{"sink", name}, {"version", *v}});
          } else {
            log::warn("GET / gave no version.number; using plain NDJSON headers", {{"sink", name}});
          }
        } else {
          // An ingest-only API key gets 403 here: it may still write, so only note it.
          log::info(
              "cannot read the Elasticsearch version; shipping anyway",
              {{"sink", name}, {"status", st}, {"reason", elasticsearch::parse_request_error(r.res.body()).reason}});
        }
      }
    }
    if (cfg.template_install && !template_done) {
      slot& s = slots[0];
      auto report = co_await elasticsearch::run_setup(*s.client, urls[s.url_index].target, authorization, cfg);
      if (co_await cancelled()) throw_cancelled();
      if (!report.error.empty()) {
        log::warn("cannot run setup for the index templates; will try again", {{"sink", name}, {"error", report.error}});
        fail_over(s);
        co_return;
      }
      template_done = true;  // an answer, whatever it says, is final for this start
      for (const auto& w : report.warnings) log::warn(w, {{"sink", name}});
      for (const auto& l : report.lines) {
        if (l.refused)
          log::error("setup: Elasticsearch refused an object; shipping without it",
                     {{"sink", name}, {"kind", l.kind}, {"object", l.name}, {"outcome", l.outcome}});
        else
          log::info("setup", {{"sink", name}, {"kind", l.kind}, {"object", l.name}, {"outcome", l.outcome}});
      }
      pipeline_set = report.pipeline_set;
    }
  }

  static void push_halves(round_state& rs, const std::vector<std::uint32_t>& items) {
    const auto mid = items.begin() + static_cast<std::ptrdiff_t>(items.size() / 2);
    rs.queue.emplace_front(mid, items.end());
    rs.queue.emplace_front(items.begin(), mid);
  }

  static void append_all(std::vector<std::uint32_t>& to, const std::vector<std::uint32_t>& items) {
    to.insert(to.end(), items.begin(), items.end());
  }

  // Sends one bulk request and sorts its items into the round's outcome lists.
  asio::awaitable<void> send_bulk(slot& s, const audit::event_batch& batch, std::vector<std::uint32_t> items,
                                  round_state& rs) {
    const bool gzip = cfg.compress == config::elasticsearch_sink_config::compression::gzip;
    // event.ingested is the time of this send; the size does not change (a fixed-width time).
    if (!rs.format.extras.ingested.empty()) rs.format.extras.ingested = elasticsearch::ingested_field(time::utc_now_rfc3339());
    http::request req{bhttp::verb::post, http::join_path(urls[s.url_index].target, "/_bulk") + bulk_target, 11};
    set_common_headers(req, true);
    // The action lines are copied, the documents read from the batch itself: sent as they are, or compressed
    // from there, so that only the compressed copy stays in flight.
    text::text_pieces body = elasticsearch::encode_bulk_pieces(batch, items, rs.format);
    const std::size_t raw_size = body.size();
    std::optional<std::string> compressed;
    if (gzip) compressed = elasticsearch::gzip_compress(body, tuning.gzip_level);
    if (compressed) {
      req.set(bhttp::field::content_encoding, "gzip");
      req.body() = std::move(*compressed);
    } else {
      if (gzip) log::warn("cannot gzip a bulk body; sending it uncompressed", {{"sink", name}});
      req.body() = std::move(body);
    }
    const std::size_t body_size = req.body().size();
    stats.bytes_sent += body_size;
    observer->on_bytes(raw_size, body_size);
    ++rs.requests;
    auto r = co_await s.client->send(std::move(req));
    if (co_await cancelled()) throw_cancelled();

    if (!r.ok()) {
      count_response(0);
      const std::string where = urls[s.url_index].origin();
      fail_over(s);
      const int drops = is_connection_drop(r.ec) ? ++*rs.drops_in_row : 0;
      // Elasticsearch may answer 413 and close before reading an oversized body: the client then sees only a
      // reset. A big body is split at once; a small one after a second drop in a row (one may be a blip).
      if (drops > 0 && items.size() > 1 && (raw_size >= elasticsearch::reset_split_min_bytes || drops >= 2)) {
        *rs.byte_cap = std::min(*rs.byte_cap, std::max<std::size_t>(1, raw_size / 2));
        log::warn("connection dropped while sending a large bulk request; splitting it",
                  {{"sink", name},
                   {"url", where},
                   {"items", items.size()},
                   {"bytes", body_size},
                   {"error", r.error}});
        push_halves(rs, items);
      } else {
        log::warn("bulk request failed; will retry", {{"sink", name}, {"url", where}, {"error", r.error}});
        append_all(rs.retry_fast, items);
      }
      co_return;
    }

    const int st = static_cast<int>(r.res.result_int());
    *rs.drops_in_row = 0;
    count_response(st);
    check_product(r.res);
    switch (elasticsearch::classify_request(st)) {
      case elasticsearch::request_outcome::parse_items:
        break;
      case elasticsearch::request_outcome::split:
        if (items.size() > 1) {
          log::warn("bulk request too large (413); splitting it",
                    {{"sink", name}, {"items", items.size()}, {"bytes", body_size}});
          *rs.byte_cap = std::min(*rs.byte_cap, std::max<std::size_t>(1, raw_size / 2));
          push_halves(rs, items);
        } else {
          // A single document over http.max_content_length can never be stored: retrying would block forever.
          elasticsearch::item_result ir{413, "request_entity_too_large",
                             "the document alone exceeds the server's request size limit"};
          rs.dead_lines +=
              elasticsearch::dead_letter_line(time::utc_now_rfc3339(), name, rs.format.target_of(items[0]), batch.id(items[0]), ir,
                                   batch.document(items[0]));
          rs.dead_items.push_back(items[0]);
        }
        co_return;
      case elasticsearch::request_outcome::retry: {
        const auto e = elasticsearch::parse_request_error(r.res.body());
        log::warn("bulk request rejected; will retry",
                  {{"sink", name}, {"status", st}, {"type", e.type}, {"reason", e.reason}});
        append_all(rs.retry_fast, items);
        co_return;
      }
      case elasticsearch::request_outcome::retry_slow: {
        const auto e = elasticsearch::parse_request_error(r.res.body());
        std::string challenge;
        if (auto it = r.res.find(bhttp::field::www_authenticate); it != r.res.end())
          challenge = std::string(it->value());
        log::error(st == 401 || st == 403
                       ? "Elasticsearch refused the credentials; fix them (retrying slowly)"
                       : "Elasticsearch refused the bulk request; fix the configuration (retrying slowly)",
                   {{"sink", name},
                    {"status", st},
                    {"auth", elasticsearch::auth_kind(cfg)},
                    {"www_authenticate", challenge},
                    {"type", e.type},
                    {"reason", e.reason}});
        append_all(rs.retry_slow, items);
        co_return;
      }
    }

    const auto parsed = elasticsearch::parse_bulk_response(r.res.body(), items.size());
    if (!parsed.ok()) {
      log::warn("unusable bulk response; will retry the request", {{"sink", name}, {"error", parsed.error}});
      append_all(rs.retry_fast, items);
      co_return;
    }
    std::size_t slow = 0;
    const elasticsearch::item_result* first_slow = nullptr;
    for (std::size_t k = 0; k < items.size(); ++k) {
      const auto& ir = parsed.items[k];
      switch (elasticsearch::classify_item(ir.status)) {
        case elasticsearch::item_outcome::stored:
          ++rs.stored;
          break;
        case elasticsearch::item_outcome::duplicate:
          ++rs.duplicates;
          break;
        case elasticsearch::item_outcome::retry:
          rs.retry_fast.push_back(items[k]);
          break;
        case elasticsearch::item_outcome::retry_slow:
          rs.retry_slow.push_back(items[k]);
          if (!first_slow) first_slow = &ir;
          ++slow;
          break;
        case elasticsearch::item_outcome::dead_letter:
          rs.dead_lines +=
              elasticsearch::dead_letter_line(time::utc_now_rfc3339(), name, rs.format.target_of(items[k]), batch.id(items[k]), ir,
                                   batch.document(items[k]));
          rs.dead_items.push_back(items[k]);
          break;
      }
    }
    if (first_slow) {
      log::error(
          "Elasticsearch refused items for lack of privilege or index; they are kept and retried slowly",
          {{"sink", name},
           {"items", slow},
           {"status", first_slow->status},
           {"type", first_slow->error_type},
           {"reason", first_slow->error_reason}});
    }
  }

  asio::awaitable<void> worker(std::size_t slot_index, const audit::event_batch& batch, round_state& rs) {
    while (!rs.queue.empty()) {
      auto items = std::move(rs.queue.front());
      rs.queue.pop_front();
      co_await send_bulk(slots[slot_index], batch, std::move(items), rs);
    }
  }

  // One pass: every item in `items` sent once (413 halves included), up to max_in_flight requests at once.
  asio::awaitable<void> run_round(const audit::event_batch& batch, const std::vector<std::uint32_t>& items,
                                  round_state& rs) {
    for (auto& r : elasticsearch::split_requests(batch, items, rs.format, cfg.max_batch_events, *rs.byte_cap)) {
      rs.queue.push_back(std::move(r));
    }
    const std::size_t n = std::min(slots.size(), rs.queue.size());
    if (n == 1) {
      co_await worker(0, batch, rs);
      co_return;
    }
    using op_type = decltype(asio::co_spawn(executor, worker(0, batch, rs), asio::deferred));
    std::vector<op_type> ops;
    for (std::size_t i = 0; i < n; ++i)
      ops.push_back(asio::co_spawn(executor, worker(i, batch, rs), asio::deferred));
    auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(ops))
                               .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    for (auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  }

  asio::awaitable<delivery_report> deliver(const audit::event_batch& batch) {
    delivery_report report;
    if (batch.empty()) co_return report;
    co_await handshake();

    elasticsearch::bulk_format format;
    format.target = target;
    format.extras.tail = data_stream_tail;
    if (sink_sets_ingested()) format.extras.ingested = elasticsearch::ingested_field(time::utc_now_rfc3339());
    std::vector<std::string> targets;
    std::vector<std::uint32_t> fast;
    fast.reserve(batch.size());
    std::string unresolved_lines;
    std::size_t unresolved = 0;
    if (pattern) {
      // Each event goes to the index of its own time, so a replay of any age meets its first copy (409).
      targets.resize(batch.size());
      for (std::uint32_t i = 0; i < batch.size(); ++i) {
        if (auto t = pattern->resolve(batch.timestamp(i))) {
          targets[i] = std::move(*t);
          fast.push_back(i);
        } else {
          elasticsearch::item_result ir{0, "invalid_timestamp", "the event's @timestamp cannot name an index for " + target};
          unresolved_lines += elasticsearch::dead_letter_line(time::utc_now_rfc3339(), name, target, batch.id(i), ir, batch.document(i));
          ++unresolved;
        }
      }
      format.targets = &targets;
    } else {
      for (std::uint32_t i = 0; i < batch.size(); ++i) fast.push_back(i);
    }
    if (unresolved > 0) {
      // Not stored and not dead-lettered, the batch cannot be reported: wait for the disk, as for any refusal.
      for (std::string err = dead_letter.append(unresolved_lines); !err.empty();
           err = dead_letter.append(unresolved_lines)) {
        log::error("cannot write the dead-letter file; keeping the events and trying again",
                   {{"sink", name}, {"error", err}});
        co_await sleep(tuning.slow_retry);
      }
      report.dead_lettered += unresolved;
      stats.dead_lettered += unresolved;
      observer->on_dead_letter(unresolved);
      log::warn("events whose @timestamp cannot name an index were written to the dead-letter file",
                {{"sink", name}, {"events", unresolved}, {"file", dead_letter.path().string()}});
    }
    std::vector<std::uint32_t> slow;
    clock_type::time_point slow_due{};
    fast_backoff.reset();
    bool first_round = true;
    std::size_t byte_cap = cfg.max_batch_bytes;
    int drops_in_row = 0;

    while (!fast.empty() || !slow.empty()) {
      std::vector<std::uint32_t> send = std::move(fast);
      fast.clear();
      if (!slow.empty() && clock_type::now() >= slow_due) {
        append_all(send, slow);
        slow.clear();
      }
      if (send.empty()) {
        co_await sleep(slow_due - clock_type::now());
        continue;
      }
      std::sort(send.begin(), send.end());  // keep the batch's order within each request
      if (!first_round) {
        stats.retried_items += send.size();
        observer->on_retry(send.size());
      }
      first_round = false;

      round_state rs;
      rs.format = format;
      rs.byte_cap = &byte_cap;
      rs.drops_in_row = &drops_in_row;
      co_await run_round(batch, send, rs);
      report.requests += rs.requests;
      report.stored += rs.stored;
      report.duplicates += rs.duplicates;
      stats.stored += rs.stored;
      stats.duplicates += rs.duplicates;

      if (!rs.dead_lines.empty()) {
        const std::string err = dead_letter.append(rs.dead_lines);
        if (err.empty()) {
          report.dead_lettered += rs.dead_items.size();
          stats.dead_lettered += rs.dead_items.size();
          observer->on_dead_letter(rs.dead_items.size());
          log::warn(
              "documents refused by Elasticsearch were written to the dead-letter file",
              {{"sink", name}, {"events", rs.dead_items.size()}, {"file", dead_letter.path().string()}});
        } else {
          // Not stored and not dead-lettered: keep them, so that the checkpoint cannot pass them.
          log::error("cannot write the dead-letter file; keeping the refused events",
                     {{"sink", name}, {"error", err}});
          append_all(rs.retry_slow, rs.dead_items);
        }
      }
      if (!rs.retry_slow.empty()) {
        append_all(slow, rs.retry_slow);
        slow_due =
            clock_type::now() + retry::backoff_delay(0, tuning.slow_retry, tuning.slow_retry, unit(rng));
      }
      fast = std::move(rs.retry_fast);
      if (!fast.empty()) co_await sleep(fast_backoff.next());
    }
    co_return report;
  }

  std::string name;
  config::elasticsearch_sink_config cfg;
  asio::any_io_executor executor;
  elasticsearch_tuning tuning;
  std::string target;
  std::optional<config::index_pattern> pattern;
  std::string data_stream_tail;  // `,"data_stream":{...}}` when the target is a data stream
  std::string bulk_target = std::string(bulk_query);
  std::string authorization;  // a secret: sent, never logged
  elasticsearch::dead_letter_file dead_letter;
  std::vector<http::url> urls;
  http::client_options client_opts;
  std::vector<slot> slots;
  retry::backoff fast_backoff;
  std::mt19937_64 rng;
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  elasticsearch_stats stats;
  sink_observer* observer = &no_sink_observer();  // the owning sink's, set at each deliver()
  bool version_known = false;
  int major = 0;
  bool template_done = false;
  bool pipeline_set = false;  // setup made our pipeline the default one: it sets event.ingested
  bool warned_product = false;
  // Cleared by a GET / naming a release that never sends X-elastic-product (before 7.14, OpenSearch).
  bool expect_product = true;
  bool busy = false;
};

elasticsearch_sink::elasticsearch_sink(const std::string& name, const config::elasticsearch_sink_config& cfg,
                                       asio::any_io_executor ex, const std::string& state_dir,
                                       elasticsearch_tuning tuning)
    : impl_(std::make_shared<impl>(name, cfg, ex, state_dir, tuning)) {}

elasticsearch_sink::~elasticsearch_sink() = default;

std::string_view elasticsearch_sink::name() const {
  return impl_->name;
}

asio::awaitable<delivery_report> elasticsearch_sink::deliver(const audit::event_batch& batch) {
  auto keep = impl_;
  // One delivery at a time: the forwarder never overlaps them, and the slots are not shared between calls.
  if (keep->busy) throw std::logic_error("elasticsearch sink: deliver() called while another is running");
  keep->busy = true;
  struct release {
    impl* p;
    ~release() { p->busy = false; }
  } guard{keep.get()};
  keep->observer = &observer();
  co_return co_await keep->deliver(batch);
}

const elasticsearch_stats& elasticsearch_sink::stats() const {
  return impl_->stats;
}
std::string elasticsearch_sink::dead_letter_path() const {
  return impl_->dead_letter.path().string();
}

std::unique_ptr<sink> make_elasticsearch_sink(const std::string& name,
                                              const config::elasticsearch_sink_config& cfg,
                                              asio::any_io_executor ex, const std::string& state_dir,
                                              elasticsearch_tuning tuning) {
  return std::make_unique<elasticsearch_sink>(name, cfg, ex, state_dir, tuning);
}

}  // namespace sf::sinks::elasticsearch
