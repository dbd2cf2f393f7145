// The in-memory indices and data streams: documents by _id, versions, sequence numbers, and item outcomes.
#pragma once

#include "sim/elasticsearch/bulk_request.hpp"
#include "sim/elasticsearch/index_templates.hpp"

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sfsim::es {

struct stored_doc {
  std::string source;
  std::int64_t version = 1;
  std::int64_t seq_no = 0;
};

struct index_data {
  std::string name;  // the index or data stream name
  bool data_stream = false;
  std::string write_index;  // the backing index of a data stream; the name itself for an index
  std::string uuid;
  std::unordered_map<std::string, stored_doc> docs;
  std::int64_t next_seq_no = 0;
};

// What one bulk item did: a success (`error_type` empty) or a failure, ready to render.
struct item_result {
  op_type op = op_type::index;
  std::string index;  // _index in the response (the backing index for a data stream)
  std::string id;
  int status = 200;
  std::string_view result;  // created, updated, deleted, not_found, noop; empty on failure
  std::int64_t version = 0;
  std::int64_t seq_no = 0;
  std::string error_type;
  std::string error_reason;
  std::string error_index_uuid;  // set when the failure names a shard of an existing index
  bool ok() const { return error_type.empty(); }
};

// An item failure that no index caused (an injected fault, a bad name): status, type and reason.
item_result item_failure(const bulk_action& a, int status, std::string type, std::string reason);

// Elasticsearch's rules for a new index name; the reason if it is not allowed.
std::optional<std::string> invalid_index_name(std::string_view name);

class document_store {
 public:
  using date_source = std::function<std::string()>;  // "yyyy.MM.dd" of today (UTC), for backing index names

  document_store(const index_templates& templates, std::uint64_t seed, date_source today = {});

  // Applies one validated action. Never throws for bad input: every problem becomes a failed item.
  item_result apply(const bulk_action& a);

  // By index or data stream name, or by a data stream's backing index name.
  const index_data* find(std::string_view name) const;
  const std::map<std::string, index_data, std::less<>>& all() const { return indices_; }
  void wipe() { indices_.clear(); }
  std::uint64_t documents() const;

 private:
  index_data* resolve(std::string_view name);
  index_data& create_target(std::string_view name);
  std::string generate_id();
  item_result write(index_data& idx, const bulk_action& a, std::string id, bool create_only);
  item_result update(index_data& idx, const bulk_action& a);
  item_result del(index_data& idx, const bulk_action& a);
  std::optional<item_result> check_source(const index_data& idx, const bulk_action& a,
                                          std::string_view source);

  const index_templates& templates_;
  date_source today_;
  std::map<std::string, index_data, std::less<>> indices_;
  std::map<std::string, std::string, std::less<>> backing_to_name_;
  simdjson::dom::parser source_parser_;
  simdjson::dom::parser doc_parser_;
  std::uint64_t id_state_;
  std::uint64_t id_counter_ = 0;
};

}  // namespace sfsim::es
