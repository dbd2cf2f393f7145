// Ingest pipelines: PUT/GET/DELETE storage with put-time validation, and running one over a document
// (set with {{{mustache}}} values or copy_from, remove, rename, pipeline).
#pragma once

#include "sim/elasticsearch/rest_error.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfsim::es {

struct processor {
  std::string kind;  // set, remove, rename, pipeline
  std::string field;
  std::vector<std::string> fields;  // remove: one or more
  std::string target_field;
  std::string value_json;  // set: the value as raw JSON (strings may hold {{{templates}}})
  std::string copy_from;
  std::string pipeline_name;
  bool override_existing = true;
  bool ignore_missing = false;
  bool ignore_empty_value = false;
  bool ignore_missing_pipeline = false;
  bool ignore_failure = false;
};

struct pipeline {
  std::string id;
  std::string body;  // as GET returns it
  std::vector<processor> processors;
};

// A document through a pipeline: its new source (when changed) or the item's error.
struct ingest_outcome {
  bool changed = false;
  std::string source;
  std::string error_type;  // empty: success
  std::string error_reason;
};

struct ingest_context {
  std::string_view index;
  std::string_view id;
  std::string timestamp;  // _ingest.timestamp, RFC 3339 with microseconds
};

class ingest_pipelines {
 public:
  ingest_pipelines() = default;

  std::optional<rest_error> put(std::string_view id, std::string_view body);
  std::optional<rest_error> remove(std::string_view id);
  std::vector<const pipeline*> find(std::string_view id_list) const;
  bool exists(std::string_view id) const { return pipelines_.count(id) != 0; }
  bool empty() const { return pipelines_.empty(); }

  // Runs pipeline `id` over `source` (a JSON object). A missing pipeline fails the item, as in Elasticsearch.
  ingest_outcome run(std::string_view id, std::string_view source, const ingest_context& ctx) const;

 private:
  std::map<std::string, pipeline, std::less<>> pipelines_;
};

// Now as _ingest.timestamp renders it: 2024-05-01T12:34:56.123456Z.
std::string ingest_timestamp_now();

}  // namespace sfsim::es
