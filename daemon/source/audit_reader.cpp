// Page fetching with the spec's error table: retry transient failures, re-mint on 401, slow down on config errors.
#include "daemon/source/audit_reader.hpp"

#include "config/rfc3339.hpp"
#include "daemon/audit/page_renderer.hpp"
#include "daemon/http/link_header.hpp"
#include "daemon/log/logger.hpp"
#include "daemon/retry/backoff.hpp"
#include "daemon/retry/source_status.hpp"

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

audit_reader::audit_reader(scaleft_api& api, rate_limiter& limiter, runtime::stopper& stop,
                           const config::source_config& source, const config::retry_config& retry)
    : api_(api), limiter_(limiter), stop_(stop), source_(source), retry_(retry) {}

std::string audit_reader::page_target(const std::string& offset, bool descending, int count) const {
  std::string t = api_.team_path("/auditsV2") + fmt::format("?count={}", count > 0 ? count : source_.page_size);
  if (!offset.empty()) t += "&offset=" + http::percent_encode(offset);
  if (descending) t += "&descending=true";
  return t;
}

boost::asio::awaitable<std::optional<fetched_page>> audit_reader::fetch(std::string target) {
  retry::backoff backoff(retry_.initial_backoff, retry_.max_backoff);
  for (;;) {
    if (stop_.stopping()) co_return std::nullopt;
    if (auto wait = limiter_.wait_needed(); wait > wait.zero()) {
      log::info("waiting for the ScaleFT rate limit",
                {{"wait_ms", std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()}});
      if (!co_await stop_.sleep(wait)) co_return std::nullopt;
    }
    ++stats_.requests;
    api_result r = co_await api_.get(target);
    if (stop_.stopping()) co_return std::nullopt;
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
          const std::string read_time = config::format_rfc3339_ns(
              std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count());
          auto outcome = audit::render_page(
              parser_, simdjson::padded_string_view(body.data(), body.size(), body.capacity()), read_time, page.batch);
          if (outcome.ok) {
            page.next_target = next_link(api_.client_origin(), target, r.exchange.res);
            ++stats_.pages;
            co_return page;
          }
          ++stats_.malformed_pages;
          log::warn("malformed audit page; fetching it again",
                    {{"error", outcome.error}, {"target", target}, {"bytes", body.size()}});
          delay = backoff.next();
          break;
        }
        case retry::source_action::reauthenticate:
        case retry::source_action::config_error:
          log::error(r.from_token_mint ? "the API key was refused; check source.key_id and the key secret"
                                       : "the ScaleFT API refused the request; check the configuration and roles",
                     {{"status", status}, {"target", target}, {"body", shorten(r.exchange.res.body())},
                      {"retry_in_s", std::chrono::duration_cast<std::chrono::seconds>(retry_.config_error_backoff).count()}});
          delay = retry_.config_error_backoff;
          break;
        case retry::source_action::retry:
          delay = backoff.next();
          log::warn("the ScaleFT API answered with a transient error; retrying",
                    {{"status", status}, {"target", target}, {"body", shorten(r.exchange.res.body())}});
          break;
      }
    }
    ++stats_.retries;
    // The limiter already holds any wait the server asked for; the backoff is the floor.
    if (!co_await stop_.sleep(delay)) co_return std::nullopt;
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
  const auto start_ns = config::parse_rfc3339_ns(source_.start_at.time).value_or(0);
  std::string target = page_target("", true);
  for (;;) {
    auto page = co_await fetch(target);
    if (!page) co_return std::nullopt;
    for (std::size_t i = 0; i < page->batch.size(); ++i) {
      auto ts = config::parse_rfc3339_ns(page->batch.timestamp(i));
      if (ts && *ts < start_ns) co_return std::string(page->batch.id(i));
    }
    if (page->batch.empty()) co_return std::string();  // every event is at or after the start time
    target = page_target(std::string(page->batch.id(page->batch.size() - 1)), true);
  }
}

}  // namespace sf::source
