// Component and composable index templates: PUT/GET/DELETE storage, put-time validation (missing components,
// unknown field types, the same-priority overlap rule), and what a new index or data stream gets from them.
#pragma once

#include "sim/elasticsearch/index_settings.hpp"
#include "sim/elasticsearch/mapping.hpp"
#include "sim/elasticsearch/rest_error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfsim::es {

// The "template" object of a component or index template, each part raw JSON (empty when absent).
struct template_part {
  std::string settings;
  std::string mappings;
  std::string lifecycle;
};

struct component_template {
  std::string name;
  std::string body;  // as GET returns it (settings normalised)
  template_part part;
};

struct index_template {
  std::string name;
  std::vector<std::string> patterns;
  std::int64_t priority = 0;
  bool data_stream = false;
  std::vector<std::string> composed_of;
  std::vector<std::string> ignore_missing;
  std::string body;
  template_part part;
};

// What a new concrete index gets: the matching template, its mappings in composition order, merged settings.
struct resolved_template {
  const index_template* tpl = nullptr;
  std::vector<std::string> mappings;
  flat_settings settings;
  std::string lifecycle;  // the data stream lifecycle object, or empty
};

class index_templates {
 public:
  // With `builtins`, the `logs` template (for `data_stream_patterns`) and its component templates exist.
  index_templates(const std::vector<std::string>& data_stream_patterns, bool builtins, cluster_flavor flavor);

  // Validates and stores; the error is what Elasticsearch would answer.
  std::optional<rest_error> put(std::string_view name, std::string_view body);
  std::optional<rest_error> put_component(std::string_view name, std::string_view body);
  std::optional<rest_error> remove(std::string_view name);
  std::optional<rest_error> remove_component(std::string_view name);
  // Templates whose name matches `name_pattern` (`*` allowed; a comma list), by name.
  std::vector<const index_template*> find(std::string_view name_pattern) const;
  std::vector<const component_template*> find_components(std::string_view name_pattern) const;
  // The template a new index or data stream called `name` would use (highest priority), if any.
  const index_template* match(std::string_view name) const;
  bool is_data_stream(std::string_view name) const {
    const auto* t = match(name);
    return t != nullptr && t->data_stream;
  }
  resolved_template resolve(std::string_view name) const;

 private:
  std::optional<rest_error> validate_composition(const index_template& t) const;

  cluster_flavor flavor_;
  std::map<std::string, index_template, std::less<>> templates_;
  std::map<std::string, component_template, std::less<>> components_;
};

// A mapping error as a put (component template, index) reports it: "Failed to parse mapping..." and its cause.
rest_error mapping_rest_error(const mapping_definition_error& e, const cluster_flavor& flavor);

// "a,b*" matched against `name`, as name lists in template APIs.
bool name_list_match(std::string_view list, std::string_view name);

}  // namespace sfsim::es
