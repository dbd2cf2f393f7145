// Composable index templates: PUT/GET storage, the same-priority overlap rule, and which names are data
// streams.
#pragma once

#include "sim/elasticsearch/rest_error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfsim::es {

struct index_template {
  std::string name;
  std::vector<std::string> patterns;
  std::int64_t priority = 0;
  bool data_stream = false;
  std::string body;  // the stored definition, compact JSON
};

class index_templates {
 public:
  // `data_stream_patterns` become the built-in "logs" template (priority 100, data stream), as on a real
  // cluster where logs-*-* is a data stream out of the box. An empty list means no built-in template.
  explicit index_templates(const std::vector<std::string>& data_stream_patterns);

  // Validates and stores `body` (JSON) under `name`; the error is what Elasticsearch would answer.
  std::optional<rest_error> put(std::string_view name, std::string_view body);
  // Templates whose name matches `name_pattern` (`*` allowed), by name.
  std::vector<const index_template*> find(std::string_view name_pattern) const;
  // The template a new index or data stream called `name` would use (highest priority), if any.
  const index_template* match(std::string_view name) const;
  bool is_data_stream(std::string_view name) const {
    const auto* t = match(name);
    return t != nullptr && t->data_stream;
  }

 private:
  std::map<std::string, index_template, std::less<>> templates_;
};

}  // namespace sfsim::es
