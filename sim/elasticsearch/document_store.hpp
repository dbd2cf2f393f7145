// The in-memory indices and data streams: concrete indices with their mappings, documents by _id, versions,
// sequence numbers, backing indices and rollover, ingest, and item outcomes.
#pragma once

#include "sim/elasticsearch/bulk_request.hpp"
#include "sim/elasticsearch/index_settings.hpp"
#include "sim/elasticsearch/index_templates.hpp"
#include "sim/elasticsearch/ingest_pipelines.hpp"
#include "sim/elasticsearch/mapping.hpp"

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <deque>
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

// One concrete index (a plain index, or one backing index of a data stream): duplicates are found only here.
struct concrete_index {
  std::string name;
  std::string uuid;
  std::unordered_map<std::string, stored_doc> docs;
  std::int64_t next_seq_no = 0;
  index_mapping mapping;
  flat_settings settings;
  mapping_limits limits;
  std::map<std::string, std::uint64_t> mapping_refusals;  // by kind (total_fields_limit, type_conflict, ...)
  std::chrono::steady_clock::time_point created = std::chrono::steady_clock::now();
  std::uint64_t source_bytes() const;
};

struct index_data {
  std::string name;  // the index or data stream name
  bool data_stream = false;
  std::string template_name;
  std::string lifecycle;            // the data stream lifecycle (raw JSON) from the templates, or empty
  std::deque<concrete_index> generations;  // a plain index has one; backing indices oldest first
  concrete_index& write() { return generations.back(); }
  const concrete_index& write() const { return generations.back(); }
  const std::string& write_index() const { return generations.back().name; }
  std::uint64_t doc_count() const;
};

// What an item did: a success (`error_type` empty) or a failure, ready to render.
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
  std::string caused_by_type;    // the first cause, when Elasticsearch gives one
  std::string caused_by_reason;
  bool ok() const { return error_type.empty(); }
};

// An item failure that no index caused (an injected fault, a bad name): status, type and reason.
item_result item_failure(const bulk_action& a, int status, std::string type, std::string reason);

// Elasticsearch's rules for a new index name; the reason if it is not allowed.
std::optional<std::string> invalid_index_name(std::string_view name);

struct rollover_result {
  std::string old_index;
  std::string new_index;
  bool rolled_over = false;
};

struct store_options {
  cluster_flavor flavor;
  std::uint64_t seed = 1;
  std::uint64_t rollover_max_docs = 0;  // > 0: a data stream rolls over when its write index holds this many
};

class document_store {
 public:
  using date_source = std::function<std::string()>;  // "yyyy.MM.dd" of today (UTC), for backing index names

  document_store(const index_templates& templates, const ingest_pipelines& pipelines, store_options opt,
                 date_source today = {});

  // Applies one validated action. Never throws for bad input: every problem becomes a failed item.
  // `url_pipeline` is the request's ?pipeline= (empty: none given).
  item_result apply(const bulk_action& a, std::string_view url_pipeline = {});

  // By index or data stream name, or by a data stream's backing index name.
  const index_data* find(std::string_view name) const;
  // A concrete index: a plain index by name or a backing index by its own name.
  const concrete_index* find_concrete(std::string_view name) const;
  const std::map<std::string, index_data, std::less<>>& all() const { return indices_; }
  void wipe() {
    indices_.clear();
    backing_to_name_.clear();
  }
  std::uint64_t documents() const;

  // POST <stream>/_rollover: a new backing index becomes the write index (unless `dry_run` or not `met`).
  rollover_result rollover(std::string_view stream, bool met, bool dry_run);
  // A new index or data stream from the templates; PUT <index> adds its own settings and mappings.
  index_data& create_target(std::string_view name, std::string_view settings = {}, std::string_view mappings = {});
  void remove_target(std::string_view name);

 private:
  index_data* resolve(std::string_view name);
  concrete_index& add_generation(index_data& idx, std::string_view settings = {}, std::string_view mappings = {});
  std::string generate_id();
  item_result write(index_data& idx, const bulk_action& a, std::string id, bool create_only);
  item_result update(index_data& idx, const bulk_action& a);
  item_result del(index_data& idx, const bulk_action& a);
  std::optional<item_result> check_source(concrete_index& ci, const index_data& idx, const bulk_action& a,
                                          std::string_view source, std::string_view id);

  const index_templates& templates_;
  const ingest_pipelines& pipelines_;
  store_options opt_;
  date_source today_;
  std::map<std::string, index_data, std::less<>> indices_;
  std::map<std::string, std::string, std::less<>> backing_to_name_;
  simdjson::dom::parser source_parser_;
  simdjson::dom::parser doc_parser_;
  std::uint64_t id_state_;
  std::uint64_t id_counter_ = 0;
  std::uint64_t uuid_counter_ = 0;
};

}  // namespace sfsim::es
