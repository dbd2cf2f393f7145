// Reads auditsV2 pages: builds and follows page links, retries every transient failure, renders to ECS.
#pragma once

#include "config/config.hpp"
#include "daemon/audit/event_batch.hpp"
#include "daemon/runtime/stopper.hpp"
#include "daemon/source/rate_limiter.hpp"
#include "daemon/source/scaleft_api.hpp"

#include <simdjson.h>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

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
};

class audit_reader {
 public:
  audit_reader(scaleft_api& api, rate_limiter& limiter, runtime::stopper& stop, const config::source_config& source,
               const config::retry_config& retry);

  // The target of the page after `offset` (empty: from the oldest event), `count` = page size.
  std::string page_target(const std::string& offset, bool descending = false, int count = 0) const;

  // Fetches and renders one page, retrying transient failures with backoff (and the server's pacing) until it
  // succeeds. Returns nullopt only when a stop was requested.
  boost::asio::awaitable<std::optional<fetched_page>> fetch(std::string target);

  // Where a first start begins, per `source.start_at`: the id to use as offset, or "" for the oldest event.
  // nullopt when stopped while finding it.
  boost::asio::awaitable<std::optional<std::string>> resolve_start();

  const reader_stats& stats() const { return stats_; }

 private:
  scaleft_api& api_;
  rate_limiter& limiter_;
  runtime::stopper& stop_;
  const config::source_config& source_;
  const config::retry_config& retry_;
  simdjson::ondemand::parser parser_;
  reader_stats stats_;
};

}  // namespace sf::source
