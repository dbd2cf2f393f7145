// Reads auditsV2 pages: builds and follows page links, retries every transient failure, renders to ECS.
#pragma once

#include "config/config.hpp"
#include "daemon/audit/page_renderer.hpp"
#include "sinks/event_batch.hpp"
#include "daemon/source/scaleft_api.hpp"

#include <simdjson.h>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sf::source {

struct fetched_page {
  std::string target;                      // what was requested
  std::optional<std::string> next_target;  // from Link rel="next", resolved, same origin only
  audit::event_batch batch;                // the page's events as ECS documents, in API order

  std::size_t size() const { return batch.size(); }
  std::size_t bytes() const { return batch.bytes() + target.size(); }
};

struct reader_stats {
  std::uint64_t pages = 0;
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  std::uint64_t malformed_pages = 0;
  std::uint64_t lost_offsets = 0;  // offsets the service refused although it had served them (retention)
};

// Thrown by fetch() under `source.on_lost_offset: stop`: the message names the offset, its age when known,
// and how to recover. The daemon and backfill end with exit status 1 on it.
class lost_offset_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The text of that error (pure, for tests): `age_s` is the offset event's age when its timestamp is known.
std::string lost_offset_message(std::string_view offset, std::optional<std::int64_t> age_s,
                                std::string_view timestamp);

class audit_reader {
 public:
  // `api` paces every request by the source's rate limiter.
  audit_reader(scaleft_api& api, const config::source_config& source, const config::retry_config& retry);

  // The target of the page after `offset` (empty: from the oldest event), `count` = page size.
  std::string page_target(const std::string& offset, bool descending = false, int count = 0) const;

  // Fetches and renders one page, retrying transient failures with backoff (and the server's pacing) until it
  // succeeds. Returns nullopt only when a stop (cancellation of the caller) ended it. A 400 for the target's offset while the same
  // request without it succeeds means the service dropped that event (its retention): the gap is logged as
  // an error and counted, then `source.on_lost_offset` applies: stop throws lost_offset_error; oldest returns
  // the oldest page the service has; newest returns a page of just its newest event. A newest-first target
  // whose offset is gone has nothing older left to serve: it gets an empty page.
  boost::asio::awaitable<std::optional<fetched_page>> fetch(std::string target);

  // The timestamp of an event id the next offsets may name (the checkpoint at start), so that a lost offset
  // can be reported with its age; every fetched page's last event is remembered as well.
  void remember_position(std::string id, std::string timestamp);

  // Called with why the source cannot make progress although the service answers (permission problem,
  // refused request), for /readyz; and with "" once a page arrives again.
  std::function<void(std::string_view reason)> on_source_problem;
  // Called once per lost offset (a metric counts them).
  std::function<void()> on_lost_offset;

  // Where a first start begins, per `source.start_at`: the id to use as offset, or "" for the oldest event.
  // nullopt when stopped while finding it.
  boost::asio::awaitable<std::optional<std::string>> resolve_start();

  const reader_stats& stats() const { return stats_; }

  // Frees the buffers parsing and rendering keep from page to page (sized for the largest page seen, ~2 MB
  // for 1000 events): a caught-up forwarder's polls bring a few events, and the next page allocates what it
  // needs again.
  void release_page_buffers();

 private:
  scaleft_api& api_;
  const config::source_config& source_;
  const config::retry_config& retry_;
  // Whether the 400 for `target` is about its offset: the same listing without the offset is accepted.
  boost::asio::awaitable<bool> offset_is_lost();
  // Logs and counts a lost `offset`; throws lost_offset_error under `source.on_lost_offset: stop`.
  void note_lost_offset(const std::string& offset);
  void report_problem(std::string_view reason);

  simdjson::ondemand::parser parser_;
  audit::render_scratch scratch_;
  reader_stats stats_;
  std::string position_id_;  // the last event id whose timestamp is known
  std::string position_timestamp_;
  bool problem_reported_ = false;
};

}  // namespace sf::source
