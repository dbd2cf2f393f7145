// Turns one auditsV2 response body into ECS documents: a pure function of its input, tested with golden
// files.
#pragma once

#include "sinks/event_batch.hpp"

#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>

namespace sf::audit {

struct page_outcome {
  bool ok = false;
  std::size_t events = 0;  // events appended to the batch
  std::string error;       // when !ok: what is wrong with the page, naming the place (for the log)
};

// Buffers the renderer reuses from page to page (the index of related objects, its text arena, per-event
// lists), so that the steady state allocates nothing. One per thread or per source; not shared.
class render_scratch {
 public:
  render_scratch();
  ~render_scratch();
  render_scratch(render_scratch&&) noexcept;
  render_scratch& operator=(render_scratch&&) noexcept;

  struct state;
  state& get() { return *state_; }

 private:
  std::unique_ptr<state> state_;
};

// Parses an auditsV2 envelope ({"list": [...], "related_objects": {...}}) and appends one ECS document
// per event to `batch`, in page order. A malformed envelope, an event without a string `id`, or a value that
// is not JSON anywhere a document copies from (simdjson's on-demand pass does not validate what it skips, so
// the renderer checks it) makes the whole page malformed: nothing is appended and the error says what was
// wrong (the caller retries the page). A document never carries text that is not JSON.
// Odd event contents (empty details, missing or malformed related objects, null references, unknown types and
// fields) are not errors: they pass through under `scaleft.` unchanged.
//
// `read_time` is when the forwarder received the page (RFC 3339, UTC), written as event.created into each of
// its documents; the caller passes it so that the renderer stays a pure function of its input.
// `parser` is reused across pages so that its buffers are allocated once.
// The batch keeps each event's id and timestamp unescaped (as values, not JSON text).
//
// Each document is one JSON object whose final `}` closes the document itself (the last top-level member is
// `scaleft`), so a sink adds top-level fields (event.ingested is a sink's, data_stream.* too) by writing
// `,"name":value` before that last byte, without parsing the document.
// No key anywhere in a document comes from data: related objects are an array of {ref, id, type, object}
// (see the README's field reference), so the number of fields an index maps stays bounded.
page_outcome render_page(simdjson::ondemand::parser& parser, simdjson::padded_string_view body,
                         std::string_view read_time, event_batch& batch);

// The same, with explicit scratch buffers (the overload above uses one per thread).
page_outcome render_page(simdjson::ondemand::parser& parser, simdjson::padded_string_view body,
                         std::string_view read_time, event_batch& batch, render_scratch& scratch);

}  // namespace sf::audit
