// What `setup` installs for one Elasticsearch sink, decided from its config and what the cluster offers.
#pragma once

#include "config/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sf::sinks::elasticsearch {

// What setup found out about a cluster (GET /, GET /_component_template/<name>, GET /_index_template,
// GET /_ilm/policy/<name>).
struct cluster_capabilities {
  int major = 0;
  int minor = 0;
  bool xpack = true;  // default distribution: `flattened`, `constant_keyword`; false for OSS and OpenSearch
  bool ilm = true;    // _ilm answers
  // Field types setup found missing when a put was refused ("No handler for type [flattened]"): a node
  // without x-pack (OSS 7.x, or 8.x built from the open modules alone) lacks flattened and constant_keyword.
  bool match_only_text = true;
  // OpenSearch (GET / says distribution "opensearch"): data streams are in its core, x-pack or not.
  bool opensearch = false;
  // The `set` ingest processor (the ingest-common module); false once a pipeline put is refused for it.
  bool ingest_set = true;
  std::vector<std::string> component_templates;  // the names looked up that exist
  struct index_template {
    std::string name;
    std::vector<std::string> patterns;
    std::int64_t priority = 0;
  };
  std::vector<index_template> index_templates;  // every composable index template the cluster has

  bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }
  bool has_component(std::string_view name) const;
};

// The cluster `setup --export` writes for: a current default distribution (8.14) with its built-in `logs`
// index template (logs-*-*, priority 100) and the logs@settings, logs@mappings and ecs@mappings components.
cluster_capabilities export_capabilities();
// Learns from a refusal of our component template: true (and `caps` changed) when the reason names a field
// type the cluster lacks that a fallback replaces; the plan is then made again.
bool learn_missing_type(std::string_view reason, cluster_capabilities& caps);
// The same for a refused pipeline: "No processor type exists with name [set]" (a node without the
// ingest-common module) clears caps.ingest_set; the plan then has no pipeline.
bool learn_missing_processor(std::string_view reason, cluster_capabilities& caps);

// Reads version.number and the distribution from a `GET /` body (major 0 when unreadable).
void read_root_info(std::string_view body, cluster_capabilities& caps);
// The index templates of a `GET /_index_template` body.
std::vector<cluster_capabilities::index_template> parse_index_templates(std::string_view body);

// Names of the objects for one sink, from its data stream (`logs-scaleft.audit` for
// logs-scaleft.audit-default, as Fleet names them) or its index (the text before the date pattern).
struct setup_names {
  std::string base;                // index template and lifecycle policy
  std::string package;             // <base>@package: our mappings and settings
  std::string custom;              // <base>@custom: the user's optional additions
  std::string pipeline;            // <base>@pipeline: sets event.ingested
  std::vector<std::string> index_patterns;
  bool data_stream = false;
  bool event_time = false;  // index with a date pattern
};
setup_names names_for(const config::elasticsearch_sink_config& cfg);

// The lowest priority from 200 up that is above every other template whose patterns overlap ours (ours,
// by name, does not count: re-running setup keeps its priority). Built-in `logs` is 100, so 200 when
// nothing else is there.
std::int64_t choose_priority(const std::vector<std::string>& patterns,
                             const std::vector<cluster_capabilities::index_template>& existing,
                             std::string_view own_name);

struct setup_object {
  std::string kind;  // "ingest pipeline", "lifecycle policy", "component template", "index template"
  std::string name;
  std::string path;  // PUT and GET path, e.g. /_index_template/logs-scaleft.audit
  std::string body;  // compact JSON
};

struct setup_plan {
  std::vector<setup_object> objects;  // in the order they must be put (dependencies first)
  std::vector<std::string> warnings;  // what the cluster cannot do, for the operator
  std::string refusal;                // set when nothing can be installed (e.g. Elasticsearch before 7.8)
};

// Everything to install for `cfg` on a cluster with `caps`. Pure: the same inputs give the same bytes.
setup_plan plan_setup(const config::elasticsearch_sink_config& cfg, const cluster_capabilities& caps);

// The body a GET of `obj` returns, picked out of the GET response (`{"<id>":{..}}` for pipelines and
// policies, `{"component_templates":[{..}]}` and `{"index_templates":[{..}]}` for templates), as JSON
// comparable with obj.body; empty when the response does not hold it.
std::string existing_body(const setup_object& obj, std::string_view get_response);

// True when everything `desired` sets is in `actual` with the same value. Settings given as
// "index.lifecycle.name" match nested ones, scalars compare as text ("1" == 1, "false" == false), arrays
// must have the same length; fields the server adds by itself (versions, dates, defaults) are ignored.
bool json_covers(std::string_view actual, std::string_view desired);

// `setup --export`: every object of every named sink, planned for export_capabilities(), as one indented
// JSON array of {"sink","kind","name","method","path","body"}; warnings go to `warnings`.
struct named_sink {
  std::string name;
  const config::elasticsearch_sink_config* cfg;
};
std::string export_json(const std::vector<named_sink>& sinks, std::vector<std::string>& warnings);

// JSON text indented by two spaces per level, for --export and deploy/elasticsearch.
std::string pretty_json(std::string_view compact);

}  // namespace sf::sinks::elasticsearch
