// Pure _bulk logic: body encoding, request splitting, response parsing and status classification.
#pragma once

#include "config/config.hpp"
#include "sinks/event_batch.hpp"
#include "sinks/elasticsearch/document_extras.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::sinks::elasticsearch {

// What happens to one bulk item, decided from its status alone (the table in spec/elasticsearch.md).
enum class item_outcome {
  stored,       // 200/201
  duplicate,    // 409: a `create` of an _id already stored, so it is delivered
  retry,        // 429 and 5xx: back-pressure or a shard not ready, send this item again with backoff
  retry_slow,   // 401/403/404: a privilege or index problem an operator must fix; keep it, retry slowly
  dead_letter,  // any other 4xx: the document itself is refused, retrying cannot help
};
item_outcome classify_item(int status);

// What happens to a whole bulk request, from its HTTP status (or a transport error, status 0).
enum class request_outcome {
  parse_items,  // 2xx: the per-item results decide
  split,        // 413: too big, send each half on its own
  retry,        // 429, 5xx, transport errors, garbage: retry with backoff
  retry_slow,   // 400/401/403/404/406 and other 4xx: configuration trouble, retry slowly and log loudly
};
request_outcome classify_request(int http_status);

// A transport error while sending a body this large is taken as Elasticsearch closing the connection on
// an oversized request (it may answer 413 before the upload ends, and the client then only sees a reset).
inline constexpr std::size_t reset_split_min_bytes = 1024 * 1024;

// One item's result in a bulk response.
struct item_result {
  int status = 0;
  std::string error_type;
  std::string error_reason;
};

// A parsed bulk response; `error` is set (and items empty) when the body is not a usable bulk response.
struct bulk_response {
  std::vector<item_result> items;
  std::string error;
  bool ok() const { return error.empty(); }
};

// Parses `{"errors":..,"items":[{"create":{"status":N,"error":{"type","reason"}}}..]}` with simdjson
// on-demand. Exactly `expected_items` items must be there, else it is an error (the whole request is
// retried).
bulk_response parse_bulk_response(std::string_view body, std::size_t expected_items);

// The `error.type` and `error.reason` of a whole-request error body (object or string form), for the log.
struct request_error {
  std::string type;
  std::string reason;
};
request_error parse_request_error(std::string_view body);

// The `version.number` of a `GET /` answer, if there is one.
std::optional<std::string> parse_version_number(std::string_view body);
// The major version of "8.15.0" (8), or 0 when it cannot be read.
int major_version(std::string_view version);

// How the items of one bulk body are written: each item's index, and what is spliced into its document.
struct bulk_format {
  std::string_view target;                            // the index or data stream
  const std::vector<std::string>* targets = nullptr;  // per batch position, for event-time index names
  document_extras extras;
  std::string_view target_of(std::uint32_t i) const { return targets ? std::string_view((*targets)[i]) : target; }
};

// The action line (with its '\n') for one event: {"create":{"_index":"<target>","_id":"<id>"}}
void append_action(std::string& out, std::string_view target, std::string_view id);
// The exact number of bytes one item (action line + document + newline) takes in a bulk body.
std::size_t item_bytes(std::string_view target, std::string_view id, std::string_view document);
std::size_t item_bytes(const bulk_format& f, const audit::event_batch& batch, std::uint32_t i);
// The NDJSON body for `items` (indices into `batch`), ending with '\n' as _bulk requires.
std::string encode_bulk_body(const audit::event_batch& batch, const std::vector<std::uint32_t>& items,
                             const bulk_format& f);
std::string encode_bulk_body(const audit::event_batch& batch, const std::vector<std::uint32_t>& items,
                             std::string_view target);
// The same body as pieces: the action lines and spliced extras copied, the documents viewed in `batch`
// (which must outlive the pieces' use), so a request is sent without copying its documents.
text::text_pieces encode_bulk_pieces(const audit::event_batch& batch, const std::vector<std::uint32_t>& items,
                                     const bulk_format& f);

// Splits `items` into consecutive requests of at most `max_events` items and `max_bytes` body bytes. An item
// larger than max_bytes on its own gets a request to itself (Elasticsearch will say 413 or store it).
std::vector<std::vector<std::uint32_t>> split_requests(const audit::event_batch& batch,
                                                       const std::vector<std::uint32_t>& items,
                                                       const bulk_format& f, std::size_t max_events,
                                                       std::size_t max_bytes);
std::vector<std::vector<std::uint32_t>> split_requests(const audit::event_batch& batch,
                                                       const std::vector<std::uint32_t>& items,
                                                       std::string_view target, std::size_t max_events,
                                                       std::size_t max_bytes);

// The Authorization header value: ApiKey, Basic or Bearer (empty: none). Never logged.
std::string authorization_value(const config::elasticsearch_sink_config& cfg);
// Which kind of credential is set, for the log: "api_key", "basic", "bearer" or "none".
std::string_view auth_kind(const config::elasticsearch_sink_config& cfg);

// One dead-letter line (with '\n'): time, sink, event id, status, error type and reason, and the document.
std::string dead_letter_line(std::string_view time, std::string_view sink, std::string_view target,
                             std::string_view id, const item_result& r, std::string_view document);

}  // namespace sf::sinks::elasticsearch
