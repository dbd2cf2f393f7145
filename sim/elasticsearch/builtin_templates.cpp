// What an 8.x cluster with x-pack installs by itself: the `logs` index template, its component templates
// (logs@mappings, logs@settings, ecs@mappings) and the `logs` ILM policy.
#include "sim/elasticsearch/builtin_templates.hpp"

#include "sim/elasticsearch/json_text.hpp"

namespace sfsim::es {

namespace {

// ecs@mappings as Elasticsearch 8.15 ships it: dynamic templates that type ECS field names.
constexpr const char* ecs_mappings = R"({"template":{"mappings":{"dynamic_templates":[
{"ecs_timestamp":{"mapping":{"ignore_malformed":false,"type":"date"},"match":"@timestamp"}},
{"ecs_message_match_only_text":{"mapping":{"type":"match_only_text"},"path_match":["message","*.message"]}},
{"ecs_ip":{"mapping":{"type":"ip"},"path_match":["ip","*.ip","*_ip"],"match_mapping_type":"string"}},
{"ecs_wildcard":{"mapping":{"type":"wildcard"},"path_match":["*.io.text","*.message_id","*registry.data.strings","*url.path"]}},
{"ecs_path_match_wildcard_and_match_only_text":{"mapping":{"fields":{"text":{"type":"match_only_text"}},"type":"wildcard"},"path_match":["*.body.content","*url.full","*url.original"]}},
{"ecs_match_wildcard_and_match_only_text":{"mapping":{"fields":{"text":{"type":"match_only_text"}},"type":"wildcard"},"match":["*command_line","*stack_trace"]}},
{"ecs_path_match_keyword_and_match_only_text":{"mapping":{"fields":{"text":{"type":"match_only_text"}},"type":"keyword"},"path_match":["*.title","*.executable","*.name","*.working_directory","*.full_name","*file.path","*file.target_path","*os.full","email.subject","vulnerability.description","user_agent.original"]}},
{"ecs_date":{"mapping":{"type":"date"},"path_match":["*.timestamp","*_timestamp","*.not_after","*.not_before","*.accessed","created","*.created","*.installed","*.creation_date","*.ctime","*.mtime","ingested","*.ingested","*.start","*.end"]}},
{"ecs_path_match_float":{"mapping":{"type":"float"},"path_match":["*.score.*","*_score*"],"path_unmatch":"*.version"}},
{"ecs_usage_double_scaled_float":{"mapping":{"type":"scaled_float","scaling_factor":1000},"path_match":"*.usage","match_mapping_type":"double"}},
{"ecs_usage_long_scaled_float":{"mapping":{"type":"scaled_float","scaling_factor":1000},"path_match":"*.usage","match_mapping_type":"long"}},
{"ecs_geo_point":{"mapping":{"type":"geo_point"},"path_match":["location","*.location"]}},
{"ecs_flattened":{"mapping":{"type":"flattened"},"path_match":["*structured_data","*exports","*imports"]}},
{"all_strings_to_keywords":{"mapping":{"ignore_above":1024,"type":"keyword"},"match_mapping_type":"string"}}
]}},"_meta":{"description":"dynamic mappings based on ECS, installed by x-pack","managed":true},"version":12})";

constexpr const char* logs_mappings =
    R"({"template":{"mappings":{"date_detection":false,"properties":{"@timestamp":{"type":"date"},)"
    R"("data_stream.type":{"type":"constant_keyword","value":"logs"},"data_stream.dataset":{"type":)"
    R"("constant_keyword"},"data_stream.namespace":{"type":"constant_keyword"}}}},"_meta":{"description":)"
    R"("default mappings for the logs index template installed by x-pack","managed":true},"version":12})";

constexpr const char* logs_settings =
    R"({"template":{"settings":{"index":{"lifecycle":{"name":"logs"},"codec":"best_compression",)"
    R"("mapping":{"total_fields":{"ignore_dynamic_beyond_limit":"true"}}}}},"_meta":{"description":)"
    R"("default settings for the logs index template installed by x-pack","managed":true},"version":12})";

}  // namespace

std::vector<std::pair<std::string, std::string>> builtin_component_templates() {
  std::string ecs;
  for (const char* p = ecs_mappings; *p; ++p)
    if (*p != '\n') ecs += *p;
  return {{"ecs@mappings", ecs}, {"logs@mappings", logs_mappings}, {"logs@settings", logs_settings}};
}

std::string builtin_logs_template(const std::vector<std::string>& patterns) {
  std::string list;
  for (const auto& p : patterns) list += (list.empty() ? "" : ",") + json_string(p);
  return "{\"index_patterns\":[" + list +
         "],\"composed_of\":[\"logs@mappings\",\"logs@settings\",\"logs@custom\",\"ecs@mappings\"],"
         "\"ignore_missing_component_templates\":[\"logs@custom\"],\"priority\":100,\"version\":12,"
         "\"_meta\":{\"description\":\"default logs template installed by x-pack\",\"managed\":true},"
         "\"data_stream\":{\"hidden\":false,\"allow_custom_routing\":false},\"allow_auto_create\":true}";
}

std::vector<std::pair<std::string, std::string>> builtin_ilm_policies() {
  return {{"logs",
           R"({"phases":{"hot":{"min_age":"0ms","actions":{"rollover":{"max_age":"30d","max_primary_shard_size":"50gb"}}}},)"
           R"("_meta":{"description":"default policy for the logs index template installed by x-pack","managed":true}})"}};
}

}  // namespace sfsim::es
