// The field mappings of one concrete index: built from templates, grown by dynamic mapping, held to the limit.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sfsim::es {

// What the cluster is: error type names and the field types it knows depend on the release and on x-pack.
struct cluster_flavor {
  int major = 8;
  bool xpack = true;
  // 8.x calls a refused document document_parsing_exception and says where; 7.x mapper_parsing_exception.
  std::string_view parsing_exception() const {
    return major >= 8 ? "document_parsing_exception" : "mapper_parsing_exception";
  }
};

// True when a mapping may declare `type` on this cluster (else "No handler for type [x]").
bool known_field_type(std::string_view type, const cluster_flavor& flavor);

enum class dynamic_mode : std::uint8_t { inherit, on, off, strict };

// Byte order of field names (as std::less<std::string_view>), deciding on the first byte inline: names in
// one object mostly differ there, and every field of every document is looked up.
struct field_name_less {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    if (!a.empty() && !b.empty() && a[0] != b[0])
      return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
    return a < b;
  }
};

struct mapper {
  std::string type = "object";  // the declared type name; "object" (or "nested") for an object mapper
  dynamic_mode dynamic = dynamic_mode::inherit;
  std::map<std::string, mapper, field_name_less> properties;  // object mappers
  std::map<std::string, mapper, field_name_less> fields;      // multi-fields of a concrete field
  std::vector<std::pair<std::string, std::string>> params;  // other parameters, raw JSON, for GET _mapping
  std::string format;                                       // date formats ("" = the default)
  std::optional<std::string> constant;                      // constant_keyword's value
  bool is_object() const {
    const std::string_view t = type;  // asked for every value: compare sizes first, no strlen
    return t == "object" || t == "nested";
  }
  // The type's value rule, classified once (the bulk path asks for every value): see check_value.
  mutable std::int8_t family = -1;
  // Elasticsearch's count: this mapper, its multi-fields and (for objects) everything below.
  std::int64_t total_fields() const;
};

struct dynamic_template {
  std::string name;
  std::vector<std::string> match, unmatch, path_match, path_unmatch, match_mapping_type;
  std::string mapping;  // raw JSON object, with {name} and {dynamic_type} placeholders
  std::string raw;      // the whole entry as given, for GET _mapping
};

// The index settings a mapping decision depends on.
struct mapping_limits {
  std::int64_t total_fields_limit = 1000;
  bool ignore_dynamic_beyond_limit = false;
  bool ignore_malformed = false;
};

// A refused document: the item's error, with Elasticsearch's type, reason and first cause.
struct mapping_failure {
  std::string type;
  std::string reason;
  std::string caused_by_type;
  std::string caused_by_reason;
  std::string kind;  // for /_sim/state: total_fields_limit, type_conflict, strict_dynamic, ...
};

// A mapping definition error, as a template or index put reports it.
struct mapping_definition_error {
  std::string type;    // mapper_parsing_exception
  std::string reason;  // e.g. "No handler for type [x] declared on field [y]"
};

class index_mapping {
 public:
  index_mapping() = default;

  // Adds one "mappings" object (raw JSON) over what is there: later definitions win, objects merge.
  std::optional<mapping_definition_error> merge(std::string_view mappings_json, const cluster_flavor& flavor);

  // Maps one document (dynamic mapping, type checks, the field limit). On failure nothing is kept.
  // `source` is the document's text (for the [line:column] of 8.x reasons); `index` names it in 7.x reasons.
  std::optional<mapping_failure> apply(simdjson::dom::object doc, std::string_view source, std::string_view id,
                                       std::string_view index, const mapping_limits& limits,
                                       const cluster_flavor& flavor);

  std::int64_t total_fields() const { return total_; }
  std::uint64_t ignored_beyond_limit() const { return ignored_beyond_limit_; }
  void set_data_stream(bool v) { data_stream_ = v; }
  const mapper& root() const { return root_; }
  // The "mappings" object of GET <index>/_mapping.
  std::string render() const;

 private:
  friend class document_mapper;
  mapper root_;
  bool date_detection_ = true;
  bool data_stream_ = false;
  std::vector<dynamic_template> templates_;
  std::int64_t total_ = 0;
  std::uint64_t ignored_beyond_limit_ = 0;
};

}  // namespace sfsim::es
