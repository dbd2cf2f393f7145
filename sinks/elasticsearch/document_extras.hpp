// What the sink adds to a rendered document on its way into a bulk body, without re-parsing it.
#pragma once

#include "common/text/text_pieces.hpp"
#include "sinks/event_batch.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace sf::sinks::elasticsearch {

// Documents are rendered once for every sink and each ends with the closing `}` of its top-level object, so
// the Elasticsearch-only fields are spliced in as text: `ingested` at the start of the top-level "event"
// object, `tail` in place of the last `}`.
struct document_extras {
  std::string ingested;  // `"ingested":"<time>"`, or empty
  std::string tail;      // `,"data_stream":{...}}`, or empty
  bool empty() const { return ingested.empty() && tail.empty(); }
};

// `,"data_stream":{"type":"logs","dataset":"scaleft.audit","namespace":"default"}}` for
// "logs-scaleft.audit-default": type up to the first '-', namespace after the last, dataset between.
std::string data_stream_tail(std::string_view data_stream);
// `"ingested":"<time>"`.
std::string ingested_field(std::string_view time);

// The offset just past the `{` that opens the value of the top-level key "event", or npos when there is
// none. Scans only the top-level keys before it. Rendered documents need no scan: the batch records where
// their "event" object starts (event_batch::event_members).
std::size_t event_object_start(std::string_view document);

// Where `extras.ingested` goes in `document`: npos when there is none to splice, else `recorded` (the offset
// a batch records per rendered document) or, when that is npos, event_object_start(document).
std::size_t splice_point(std::string_view document, const document_extras& extras, std::size_t recorded);

// The forms below that take an audit::document_shape (shape_of() the document at `event_at`: the tail
// replaces its closing `}`, and no ',' follows `ingested` in an empty "event" object) do not read the
// document's bytes for it; a batch records the shape when a document is written (event_batch::shape).
using audit::document_shape;

// Appends `document` with `extras` spliced in; exactly document_size() bytes. `event_at` is splice_point()'s
// answer, when the caller has it; the forms without it find it.
void append_document(std::string& out, std::string_view document, const document_extras& extras);
void append_document(std::string& out, std::string_view document, const document_extras& extras,
                     std::size_t event_at);
std::size_t document_size(std::string_view document, const document_extras& extras);
// From the document's size and shape alone: its bytes are not read.
std::size_t document_size(std::size_t size, const document_extras& extras, std::size_t event_at,
                          document_shape shape);
// The same for `line` (a document and its '\n', as a batch keeps it), as pieces: the document's parts are
// viewed in place (`line` must outlive `out`'s use), only the extras are copied; `shape` is shape_of() the
// document, so its bytes are not read here.
void append_document_line(text::text_pieces& out, std::string_view line, const document_extras& extras,
                          std::size_t event_at, document_shape shape);

}  // namespace sf::sinks::elasticsearch
