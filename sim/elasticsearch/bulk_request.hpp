// The _bulk request body: NDJSON action/source pairs parsed and validated as Elasticsearch does (pure).
#pragma once

#include "sim/elasticsearch/rest_error.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sfsim::es {

enum class op_type : std::uint8_t { create, index, update, del };
std::string_view to_string(op_type op);

struct bulk_action {
  op_type op = op_type::index;
  bool op_type_create = false;  // an `index` action with "op_type":"create" behaves as create
  std::string index;            // from the action, else the URL target
  std::string id;
  bool has_id = false;
  std::string pipeline;  // the action's "pipeline" (empty: the request's, else the index default)
  bool require_alias = false;
  std::optional<std::int64_t> if_seq_no;
  std::optional<std::int64_t> if_primary_term;
  std::string_view source;    // the raw source line (no trailing \r\n); empty for delete
  bool source_padded = true;  // SIMDJSON_PADDING readable bytes follow `source` (false near the body's end)
  std::size_t line = 0;       // 1-based line number of the action, for messages
};

struct bulk_defaults {
  std::string_view index;  // the {target} of POST /{target}/_bulk, empty for POST /_bulk
  bool require_alias = false;
};

// Parses the whole body first (a framing error anywhere rejects the whole request before any item runs, as
// in Elasticsearch). Lines too close to the end of `body`'s capacity are copied before parsing, so the body
// never has to be reallocated to add padding. `parser` is scratch
// space reused between calls. The actions' `source` views point into `body`.
std::variant<std::vector<bulk_action>, rest_error> parse_bulk(simdjson::padded_string_view body,
                                                              const bulk_defaults& defaults,
                                                              simdjson::dom::parser& parser);

}  // namespace sfsim::es
