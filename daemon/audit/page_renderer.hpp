// Turns one auditsV2 response body into ECS documents: a pure function of its input, tested with golden files.
#pragma once

#include "daemon/audit/event_batch.hpp"

#include <simdjson.h>

#include <string>

namespace sf::audit {

struct page_outcome {
  bool ok = false;
  std::size_t events = 0;  // events appended to the batch
  std::string error;       // when !ok: what is wrong with the page, naming the place (for the log)
};

// Parses an auditsV2 envelope ({"list": [...], "related_objects": {...}}) and appends one ECS document
// per event to `batch`, in page order. A malformed envelope, or an event without a string `id`, makes the
// whole page malformed: nothing is appended and the error says what was wrong (the caller retries the page).
// Odd event contents (empty details, missing or malformed related objects, null references, unknown types and
// fields) are not errors: they pass through under `scaleft.` unchanged.
// `parser` is reused across pages so that its buffers are allocated once.
page_outcome render_page(simdjson::ondemand::parser& parser, simdjson::padded_string_view body,
                         event_batch& batch);

}  // namespace sf::audit
