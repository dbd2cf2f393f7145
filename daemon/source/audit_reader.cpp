// Page fetching with the spec's error table: retry transient failures, re-mint on 401, slow down on config errors.
#include "daemon/source/audit_reader.hpp"

#include "common/time/rfc3339.hpp"
#include "daemon/audit/page_renderer.hpp"
#include "common/http/link_header.hpp"
#include "common/log/logger.hpp"
#include "common/retry/backoff.hpp"
#include "daemon/runtime/cancellation.hpp"
#include "daemon/source/source_status.hpp"

#include <fmt/format.h>

namespace sf::source {

namespace {

// Error bodies are logged shortened, on one line; they never hold our secrets (token bodies are not logged).
std::string shorten(std::string_view body) {
  std::string out(body.substr(0, 300));
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  if (body.size() > 300) out += "...";
  return out;
}

std::optional<std::string> next_link(const http::url& origin, const std::string& request_target,
                                     const http::response& res) {
  for (auto it = res.find(boost::beast::http::field::link); it != res.end() && it->name() == boost::beast::http::field::link;
       ++it) {
    auto ref = http::find_link(std::string_view(it->value()), "next");
    if (!ref) continue;
    http::url base = origin;
    base.target = request_target;
    auto resolved = http::resolve_reference(base, *ref);
    if (!resolved) {
      log::warn("ignoring an unparsable Link rel=next", {{"link", *ref}});
      return std::nullopt;
    }
    if (!resolved->same_origin(origin)) {
      // Following a link to another host would send our bearer token there.
      log::warn("ignoring a Link rel=next to another origin", {{"link", resolved->origin()}});
      return std::nullopt;
    }
    return resolved->target;
  }
  return std::nullopt;
}

}  // namespace

std::string lost_offset_message(std::string_view offset, std::optional<std::int64_t> age_s,
                                std::string_view timestamp) {
  std::string age = "of unknown age";
  if (age_s) age = fmt::format("from {}, {:.1f} days old", timestamp, static_cast<double>(*age_s) / 86400.0);
  return fmt::format(
      "the ScaleFT API refuses offset {} ({}) although it served that event before: most likely it is past the "
      "service's 90-day retention, and events after it that aged out too are lost. To go on, set "
      "source.on_lost_offset to oldest (resume at the oldest event the service keeps) or newest (skip to the "
      "present) and run `scaleft-forwarder run -c <config>` again",
      offset, age);
}

audit_reader::audit_reader(scaleft_api& api, const config::source_config& source, const config::retry_config& retry)
    : api_(api), source_(source), retry_(retry) {}

std::string audit_reader::page_target(const std::string& offset, bool descending, int count) const {
  std::string t = api_.team_path("/auditsV2") + fmt::format("?count={}", count > 0 ? count : source_.page_size);
  if (!offset.empty()) t += "&offset=" + http::percent_encode(offset);
  if (descending) t += "&descending=true";
  return t;
}

void audit_reader::release_page_buffers() {
  parser_ = simdjson::ondemand::parser{};
  scratch_ = audit::render_scratch{};
}

void audit_reader::remember_position(std::string id, std::string timestamp) {
  position_id_ = std::move(id);
  position_timestamp_ = std::move(timestamp);
}

void audit_reader::report_problem(std::string_view reason) {
  problem_reported_ = !reason.empty();
  if (on_source_problem) on_source_problem(reason);
}

boost::asio::awaitable<bool> audit_reader::offset_is_lost() {
  const std::string probe = page_target("", false, 1);
  ++stats_.requests;
  api_result r = co_await api_.get(probe);
  co_return r.ok();
}

void audit_reader::note_lost_offset(const std::string& offset) {
  using policy = config::source_config::lost_offset_policy;
  ++stats_.lost_offsets;
  if (on_lost_offset) on_lost_offset();
  std::optional<std::int64_t> age_s;
  std::string timestamp;
  if (offset == position_id_) {
    if (auto ts = time::parse_rfc3339_ns(position_timestamp_)) {
      const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      age_s = (now_ns - *ts) / 1'000'000'000;
      timestamp = position_timestamp_;
    }
  }
  const char* name = source_.on_lost_offset == policy::stop     ? "stop"
                     : source_.on_lost_offset == policy::oldest ? "oldest"
                                                                : "newest";
  log::error("events lost: the ScaleFT API no longer accepts an offset it served before (past its retention?)",
             {{"offset", offset},
              {"offset_timestamp", timestamp},
              {"offset_age_s", age_s.value_or(-1)},
              {"on_lost_offset", name}});
  if (source_.on_lost_offset == policy::stop) throw lost_offset_error(lost_offset_message(offset, age_s, timestamp));
}

boost::asio::awaitable<std::optional<fetched_page>> audit_reader::fetch(std::string target) {
  retry::backoff backoff(retry_.initial_backoff, retry_.max_backoff);
  for (;;) {
    if (co_await runtime::stop_requested()) co_return std::nullopt;
    ++stats_.requests;
    api_result r = co_await api_.get(target);  // waits for the rate limit first
    if (co_await runtime::stop_requested()) co_return std::nullopt;
    retry::duration delay{0};
    const unsigned status = r.status();
    if (!r.exchange.ok()) {
      log::warn("fetching audit events failed; retrying",
                {{"error", r.exchange.error}, {"target", target}, {"attempt", backoff.attempts() + 1}});
      delay = backoff.next();
    } else {
      switch (retry::classify_source_status(status)) {
        case retry::source_action::success: {
          fetched_page page;
          page.target = target;
          auto& body = r.exchange.res.body();
          body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
          // The receive time becomes event.created of each event of the page.
          const std::string read_time = time::format_rfc3339_ns(
              std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count());
          const simdjson::padded_string_view padded(body.data(), body.size(), body.capacity());
          auto outcome = audit::render_page(parser_, padded, read_time, page.batch, scratch_);
          if (outcome.ok) {
            page.next_target = next_link(api_.client_origin(), target, r.exchange.res);
            ++stats_.pages;
            if (problem_reported_) report_problem("");
            if (!page.batch.empty()) {
              const std::size_t last = page.batch.size() - 1;
              remember_position(std::string(page.batch.id(last)), std::string(page.batch.timestamp(last)));
            }
            co_return page;
          }
          ++stats_.malformed_pages;
          log::warn("malformed audit page; fetching it again",
                    {{"error", outcome.error}, {"target", target}, {"bytes", body.size()}});
          delay = backoff.next();
          break;
        }
        case retry::source_action::reauthenticate:
        case retry::source_action::config_error: {
          const auto offset = http::query_parameter(target, "offset");
          if (status == 400 && offset && !offset->empty()) {
            const bool lost = co_await offset_is_lost();
            if (co_await runtime::stop_requested()) co_return std::nullopt;
            if (lost) {
              if (http::query_parameter(target, "descending").value_or("") == "true") {
                // Newest-first past the retention edge: nothing older is served any more.
                log::warn("the ScaleFT API no longer serves events before this offset (retention); treating it "
                          "as the end of the newest-first listing",
                          {{"offset", *offset}});
                fetched_page empty;
                empty.target = target;
                co_return empty;
              }
              note_lost_offset(*offset);  // throws under `stop`
              if (source_.on_lost_offset == config::source_config::lost_offset_policy::newest) {
                // The newest event itself is the page returned, so the checkpoint moves to the new position
                // even when nothing newer comes; its newest-first link is not the way on.
                std::string newest_target = page_target("", true, 1);  // named: GCC 12 and temporaries
                auto newest = co_await fetch(newest_target);
                if (!newest) co_return std::nullopt;
                if (!newest->batch.empty()) {
                  log::warn("resuming at the newest event the ScaleFT API has (source.on_lost_offset: newest)",
                            {{"event_id", newest->batch.id(0)}});
                  newest->next_target.reset();
                  co_return newest;
                }
              }
              log::warn("resuming at the oldest event the ScaleFT API still has");
              target = page_target("");
              continue;
            }
          }
          const auto retry_s = std::chrono::duration_cast<std::chrono::seconds>(retry_.config_error_backoff).count();
          std::string reason;
          if (r.from_token_mint && status == 401) {
            log::error("the API key was refused; check source.key_id and the key secret",
                       {{"status", status}, {"body", shorten(r.exchange.res.body())}, {"retry_in_s", retry_s}});
            reason = "not authenticated: the ScaleFT API refuses the API key (401 from service_token): check "
                     "source.key_id and the key secret";
          } else if (status == 401 || status == 403) {
            // A 401 that a freshly minted token did not cure is the service's authorization_error.
            log::error(
                "permission problem: the ScaleFT API refuses the service user even with a freshly minted token; "
                "give it a role that may read audits (reporting_user, access_user or access_admin)",
                {{"status", status}, {"target", target}, {"body", shorten(r.exchange.res.body())},
                 {"retry_in_s", retry_s}});
            reason = fmt::format(
                "permission problem: the ScaleFT API answers {} to the service user even with a fresh token "
                "(missing role reporting_user, access_user or access_admin?)",
                status);
          } else {
            log::error("the ScaleFT API refused the request; check the configuration and roles",
                       {{"status", status}, {"target", target}, {"body", shorten(r.exchange.res.body())},
                        {"retry_in_s", retry_s}});
            reason = fmt::format("the ScaleFT API refuses the audit request (HTTP {}): check the configuration",
                                 status);
          }
          report_problem(reason);
          delay = retry_.config_error_backoff;
          break;
        }
        case retry::source_action::retry:
          delay = backoff.next();
          log::warn("the ScaleFT API answered with a transient error; retrying",
                    {{"status", status}, {"target", target}, {"body", shorten(r.exchange.res.body())}});
          break;
      }
    }
    ++stats_.retries;
    // The limiter already holds any wait the server asked for; the backoff is the floor.
    if (!co_await runtime::sleep(delay)) co_return std::nullopt;
  }
}

boost::asio::awaitable<std::optional<std::string>> audit_reader::resolve_start() {
  using kind = config::start_position::kind;
  if (source_.start_at.what == kind::oldest) co_return std::string();
  if (source_.start_at.what == kind::newest) {
    std::string newest = page_target("", true, 1);  // a named argument: GCC 12 mishandles temporaries here
    auto page = co_await fetch(newest);
    if (!page) co_return std::nullopt;
    co_return page->batch.empty() ? std::string() : std::string(page->batch.id(0));
  }
  // at_time: walk newest-first until an event older than the start time; start right after it.
  const auto start_ns = time::parse_rfc3339_ns(source_.start_at.time).value_or(0);
  std::string target = page_target("", true);
  for (;;) {
    auto page = co_await fetch(target);
    if (!page) co_return std::nullopt;
    for (std::size_t i = 0; i < page->batch.size(); ++i) {
      auto ts = time::parse_rfc3339_ns(page->batch.timestamp(i));
      if (ts && *ts < start_ns) co_return std::string(page->batch.id(i));
    }
    if (page->batch.empty()) co_return std::string();  // every event is at or after the start time
    target = page_target(std::string(page->batch.id(page->batch.size() - 1)), true);
  }
}

}  // namespace sf::source
