// Unit tests of what setup installs: names, priority, lifecycle, composition and mappings per capability.
#include "sinks/elasticsearch/setup_plan.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace es = sf::sinks::elasticsearch;
using sf::config::elasticsearch_sink_config;

namespace {

elasticsearch_sink_config stream_cfg() {
  elasticsearch_sink_config c;
  c.data_stream = "logs-scaleft.audit-default";
  return c;
}

const es::setup_object* find(const es::setup_plan& p, std::string_view kind) {
  for (const auto& o : p.objects)
    if (o.kind == kind) return &o;
  return nullptr;
}

std::vector<std::string> strings(simdjson::dom::element e) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e.get(a)) return out;
  for (auto v : a) out.emplace_back(std::string_view(v));
  return out;
}

es::cluster_capabilities oss_7_10() {
  es::cluster_capabilities c;
  c.major = 7;
  c.minor = 10;
  c.xpack = false;
  c.ilm = false;
  return c;
}

}  // namespace

TEST(es_setup_names, follow_fleet_for_streams_and_the_stem_for_indices) {
  auto n = es::names_for(stream_cfg());
  EXPECT_EQ(n.base, "logs-scaleft.audit");
  EXPECT_EQ(n.package, "logs-scaleft.audit@package");
  EXPECT_EQ(n.custom, "logs-scaleft.audit@custom");
  EXPECT_EQ(n.pipeline, "logs-scaleft.audit@pipeline");
  EXPECT_EQ(n.index_patterns, std::vector<std::string>{"logs-scaleft.audit-*"});
  elasticsearch_sink_config c;
  c.index = "scaleft-audit-%{+yyyy.MM.dd}";
  n = es::names_for(c);
  EXPECT_TRUE(n.event_time);
  EXPECT_EQ(n.base, "scaleft-audit");
  EXPECT_EQ(n.index_patterns, std::vector<std::string>{"scaleft-audit-*"});
  c.index = "audit";
  n = es::names_for(c);
  EXPECT_FALSE(n.event_time);
  EXPECT_EQ(n.index_patterns, std::vector<std::string>{"audit"});
}

TEST(es_setup_priority, is_above_every_overlapping_template_and_ignores_ours) {
  using t = es::cluster_capabilities::index_template;
  const std::vector<std::string> ours = {"logs-scaleft.audit-*"};
  EXPECT_EQ(es::choose_priority(ours, {}, "logs-scaleft.audit"), 200);
  EXPECT_EQ(es::choose_priority(ours, {t{"logs", {"logs-*-*"}, 100}}, "logs-scaleft.audit"), 200);
  // The shipped template at 200 under another name, and a user's catch-all at 250: go above both.
  EXPECT_EQ(es::choose_priority(ours,
                                {t{"logs", {"logs-*-*"}, 100}, t{"old", {"logs-scaleft.audit-*"}, 200},
                                 t{"catch-all", {"logs-*"}, 250}},
                                "logs-scaleft.audit"),
            251);
  // Templates that cannot match our indices do not matter, nor does our own (re-running setup).
  EXPECT_EQ(es::choose_priority(ours, {t{"metrics", {"metrics-*-*"}, 500}, t{"logs-scaleft.audit", ours, 200}},
                                "logs-scaleft.audit"),
            200);
}

TEST(es_setup_plan, current_cluster_builds_on_the_builtin_logs_templates) {
  const auto plan = es::plan_setup(stream_cfg(), es::export_capabilities());
  ASSERT_TRUE(plan.refusal.empty());
  ASSERT_EQ(plan.objects.size(), 4u);
  EXPECT_EQ(plan.objects[0].kind, "ingest pipeline");
  EXPECT_EQ(plan.objects[1].kind, "lifecycle policy");
  EXPECT_EQ(plan.objects[2].kind, "component template");
  EXPECT_EQ(plan.objects[3].kind, "index template");
  simdjson::dom::parser p;
  auto it = p.parse(plan.objects[3].body);
  EXPECT_EQ(strings(it["index_patterns"]), std::vector<std::string>{"logs-scaleft.audit-*"});
  EXPECT_TRUE(it["data_stream"].is_object());
  EXPECT_EQ(int64_t(it["priority"]), 200);
  EXPECT_EQ(strings(it["composed_of"]),
            (std::vector<std::string>{"logs@mappings", "logs@settings", "logs-scaleft.audit@package", "logs@custom",
                                      "logs-scaleft.audit@custom", "ecs@mappings"}));
  EXPECT_EQ(strings(it["ignore_missing_component_templates"]),
            (std::vector<std::string>{"logs@custom", "logs-scaleft.audit@custom"}));

  simdjson::dom::parser p2;
  auto ct = p2.parse(plan.objects[2].body);
  EXPECT_EQ(std::string_view(ct["template"]["settings"]["index.default_pipeline"]), "logs-scaleft.audit@pipeline");
  EXPECT_EQ(std::string_view(ct["template"]["settings"]["index.lifecycle.name"]), "logs-scaleft.audit");
  auto props = ct["template"]["mappings"]["properties"];
  auto scaleft = props["scaleft"]["properties"];
  EXPECT_EQ(std::string_view(scaleft["details"]["type"]), "flattened");
  EXPECT_EQ(std::string_view(scaleft["related_objects"]["properties"]["object"]["type"]), "flattened");
  EXPECT_EQ(std::string_view(scaleft["related_objects"]["properties"]["ref"]["type"]), "keyword");
  EXPECT_EQ(std::string_view(props["event"]["properties"]["ingested"]["type"]), "date");
  EXPECT_EQ(std::string_view(props["event"]["properties"]["created"]["type"]), "date");
  EXPECT_EQ(std::string_view(props["ecs"]["properties"]["version"]["type"]), "keyword");
  EXPECT_EQ(std::string_view(props["source"]["properties"]["ip"]["type"]), "ip");
  EXPECT_EQ(std::string_view(props["data_stream"]["properties"]["dataset"]["type"]), "constant_keyword");
  EXPECT_EQ(std::string_view(props["message"]["type"]), "match_only_text");

  simdjson::dom::parser p3;
  auto pipe = p3.parse(plan.objects[0].body);
  EXPECT_EQ(std::string_view(pipe["processors"].at(0)["set"]["field"]), "event.ingested");
  EXPECT_EQ(std::string_view(pipe["processors"].at(0)["set"]["value"]), "{{{_ingest.timestamp}}}");
}

TEST(es_setup_plan, retention_becomes_a_delete_phase_or_a_stream_lifecycle) {
  auto cfg = stream_cfg();
  cfg.retention = std::chrono::hours(24 * 90);
  auto plan = es::plan_setup(cfg, es::export_capabilities());
  simdjson::dom::parser p;
  auto policy = p.parse(find(plan, "lifecycle policy")->body);
  EXPECT_EQ(std::string_view(policy["policy"]["phases"]["delete"]["min_age"]), "90d");
  EXPECT_TRUE(policy["policy"]["phases"]["hot"]["actions"]["rollover"].is_object());

  auto no_ilm = es::export_capabilities();
  no_ilm.ilm = false;
  plan = es::plan_setup(cfg, no_ilm);
  EXPECT_EQ(find(plan, "lifecycle policy"), nullptr);
  simdjson::dom::parser p2;
  auto it = p2.parse(find(plan, "index template")->body);
  EXPECT_EQ(std::string_view(it["template"]["lifecycle"]["data_retention"]), "90d");
  ASSERT_EQ(plan.warnings.size(), 1u);
  simdjson::dom::parser p3;
  auto ct = p3.parse(find(plan, "component template")->body);
  EXPECT_EQ(ct["template"]["settings"]["index.lifecycle.name"].error(), simdjson::NO_SUCH_FIELD);

  // 8.10 has neither ILM here nor stream lifecycles: nothing, and the operator is told.
  no_ilm.minor = 10;
  plan = es::plan_setup(cfg, no_ilm);
  simdjson::dom::parser p4;
  auto it2 = p4.parse(find(plan, "index template")->body);
  EXPECT_EQ(it2["template"].error(), simdjson::NO_SUCH_FIELD);
  ASSERT_FALSE(plan.warnings.empty());
  EXPECT_NE(plan.warnings[0].find("never roll over"), std::string::npos);
  EXPECT_NE(plan.warnings[0].find("90d"), std::string::npos);
}

TEST(es_setup_plan, oss_7_10_gets_no_flattened_no_hooks_and_no_lifecycle) {
  elasticsearch_sink_config cfg;
  cfg.index = "scaleft-audit-%{+yyyy.MM.dd}";
  cfg.retention = std::chrono::hours(24 * 30);
  const auto plan = es::plan_setup(cfg, oss_7_10());
  ASSERT_TRUE(plan.refusal.empty());
  EXPECT_EQ(find(plan, "lifecycle policy"), nullptr);
  simdjson::dom::parser p;
  auto it = p.parse(find(plan, "index template")->body);
  // No built-ins, no ignore_missing_component_templates (8.7+): only what exists.
  EXPECT_EQ(strings(it["composed_of"]), std::vector<std::string>{"scaleft-audit@package"});
  EXPECT_EQ(it["ignore_missing_component_templates"].error(), simdjson::NO_SUCH_FIELD);
  simdjson::dom::parser p2;
  auto ct = p2.parse(find(plan, "component template")->body);
  auto scaleft = ct["template"]["mappings"]["properties"]["scaleft"]["properties"];
  EXPECT_EQ(bool(scaleft["details"]["enabled"]), false);
  EXPECT_EQ(scaleft["details"]["type"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(ct["template"]["settings"]["index.lifecycle.name"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(std::string_view(ct["template"]["mappings"]["properties"]["message"]["type"]), "text");
  bool warned = false;
  for (const auto& w : plan.warnings) warned = warned || w.find("retention 30d is not applied") != std::string::npos;
  EXPECT_TRUE(warned);

  // An existing @custom hook is used even without ignore_missing_component_templates.
  auto caps = oss_7_10();
  caps.component_templates = {"scaleft-audit@custom"};
  const auto with_hook = es::plan_setup(cfg, caps);
  simdjson::dom::parser p3;
  auto it2 = p3.parse(find(with_hook, "index template")->body);
  EXPECT_EQ(strings(it2["composed_of"]), (std::vector<std::string>{"scaleft-audit@package", "scaleft-audit@custom"}));

  // 7.x data streams are x-pack: refused with the way out.
  const auto ds = es::plan_setup(stream_cfg(), oss_7_10());
  EXPECT_TRUE(ds.objects.empty());
  EXPECT_NE(ds.refusal.find("no data streams"), std::string::npos);
}

TEST(es_setup_plan, without_xpack_on_8x_streams_get_keyword_data_stream_fields) {
  auto caps = es::export_capabilities();
  caps.xpack = false;
  caps.ilm = false;
  caps.component_templates.clear();
  const auto plan = es::plan_setup(stream_cfg(), caps);
  ASSERT_TRUE(plan.refusal.empty());
  simdjson::dom::parser p;
  auto ct = p.parse(find(plan, "component template")->body);
  EXPECT_EQ(std::string_view(ct["template"]["mappings"]["properties"]["data_stream"]["properties"]["type"]["type"]),
            "keyword");
}

TEST(es_setup_plan, opensearch_has_data_streams_and_a_node_without_set_gets_no_pipeline) {
  es::cluster_capabilities caps;
  es::read_root_info(R"({"version":{"distribution":"opensearch","number":"2.19.6"}})", caps);
  caps.ilm = false;
  EXPECT_TRUE(caps.opensearch);
  const auto plan = es::plan_setup(stream_cfg(), caps);
  ASSERT_TRUE(plan.refusal.empty()) << plan.refusal;
  ASSERT_NE(find(plan, "ingest pipeline"), nullptr);
  simdjson::dom::parser p;
  auto it = p.parse(find(plan, "index template")->body);
  EXPECT_EQ(it["data_stream"].error(), simdjson::SUCCESS);

  // The pipeline put refused for its processor: planned again without it and without default_pipeline.
  EXPECT_FALSE(es::learn_missing_processor("No handler for type [flattened] declared on field [a]", caps));
  EXPECT_TRUE(es::learn_missing_processor("No processor type exists with name [set]", caps));
  EXPECT_FALSE(es::learn_missing_processor("No processor type exists with name [set]", caps)) << "learnt once";
  const auto bare = es::plan_setup(stream_cfg(), caps);
  EXPECT_EQ(find(bare, "ingest pipeline"), nullptr);
  simdjson::dom::parser p2;
  auto ct = p2.parse(find(bare, "component template")->body);
  EXPECT_EQ(ct["template"]["settings"].error(), simdjson::NO_SUCH_FIELD) << "no pipeline, no lifecycle";
  bool warned = false;
  for (const auto& w : bare.warnings) warned = warned || w.find("no `set` ingest processor") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(es_setup_plan, event_time_indices_get_only_a_delete_phase_and_fixed_indices_none) {
  elasticsearch_sink_config cfg;
  cfg.index = "scaleft-audit-%{+yyyy.MM.dd}";
  auto plan = es::plan_setup(cfg, es::export_capabilities());
  EXPECT_EQ(find(plan, "lifecycle policy"), nullptr);  // no retention: kept forever, nothing to manage
  cfg.retention = std::chrono::hours(24 * 30);
  plan = es::plan_setup(cfg, es::export_capabilities());
  ASSERT_NE(find(plan, "lifecycle policy"), nullptr);
  simdjson::dom::parser p;
  auto policy = p.parse(find(plan, "lifecycle policy")->body);
  EXPECT_EQ(policy["policy"]["phases"]["hot"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(std::string_view(policy["policy"]["phases"]["delete"]["min_age"]), "30d");
  simdjson::dom::parser p2;
  auto it = p2.parse(find(plan, "index template")->body);
  EXPECT_EQ(it["data_stream"].error(), simdjson::NO_SUCH_FIELD);
  // Not a logs data stream: logs@settings (its rollover policy) does not apply; ECS dynamic templates do.
  EXPECT_EQ(strings(it["composed_of"]),
            (std::vector<std::string>{"scaleft-audit@package", "scaleft-audit@custom", "ecs@mappings"}));
  simdjson::dom::parser p3;
  auto ct = p3.parse(find(plan, "component template")->body);
  EXPECT_EQ(ct["template"]["mappings"]["properties"]["data_stream"].error(), simdjson::NO_SUCH_FIELD);
}

TEST(es_setup_plan, before_7_8_is_refused) {
  auto caps = oss_7_10();
  caps.minor = 7;
  const auto plan = es::plan_setup(stream_cfg(), caps);
  EXPECT_TRUE(plan.objects.empty());
  EXPECT_NE(plan.refusal.find("7.8"), std::string::npos);
}

TEST(es_setup_compare, what_the_server_normalises_still_counts_as_up_to_date) {
  const std::string desired =
      R"({"template":{"settings":{"index.default_pipeline":"p","index.number_of_shards":1},)"
      R"("mappings":{"properties":{"a":{"dynamic":false,"properties":{"b":{"type":"keyword"}}}}}},)"
      R"("composed_of":["x","y"],"data_stream":{}})";
  // Nested settings, numbers as strings, `dynamic` as a string, extra fields the server adds.
  const std::string actual =
      R"({"template":{"settings":{"index":{"default_pipeline":"p","number_of_shards":"1"}},)"
      R"("mappings":{"properties":{"a":{"dynamic":"false","properties":{"b":{"type":"keyword"}}}}}},)"
      R"("composed_of":["x","y"],"data_stream":{"hidden":false,"allow_custom_routing":false},"version":3})";
  EXPECT_TRUE(es::json_covers(actual, desired));
  EXPECT_FALSE(es::json_covers(R"({"composed_of":["x","y","z"],"data_stream":{}})",
                               R"({"composed_of":["x","y"],"data_stream":{}})"));
  EXPECT_FALSE(es::json_covers(R"({"composed_of":["x","y"]})", R"({"composed_of":["x","y"],"data_stream":{}})"));
  EXPECT_FALSE(es::json_covers(R"({"a":{"type":"text"}})", R"({"a":{"type":"keyword"}})"));
}

TEST(es_setup_compare, existing_bodies_are_picked_from_get_answers) {
  es::setup_object tmpl{"index template", "t", "/_index_template/t", "{}"};
  EXPECT_EQ(es::existing_body(tmpl, R"({"index_templates":[{"name":"u","index_template":{"priority":1}},)"
                                    R"({"name":"t","index_template":{"priority":2}}]})"),
            R"({"priority":2})");
  es::setup_object policy{"lifecycle policy", "p", "/_ilm/policy/p", "{}"};
  EXPECT_EQ(es::existing_body(policy, R"({"p":{"version":1,"modified_date":"x","policy":{"phases":{}}}})"),
            R"({"policy":{"phases":{}}})");
  es::setup_object pipe{"ingest pipeline", "q", "/_ingest/pipeline/q", "{}"};
  EXPECT_EQ(es::existing_body(pipe, R"({"q":{"processors":[]}})"), R"({"processors":[]})");
  EXPECT_EQ(es::existing_body(pipe, "{}"), "");
  es::setup_object comp{"component template", "c", "/_component_template/c", "{}"};
  EXPECT_EQ(es::existing_body(comp, R"({"component_templates":[{"name":"c","component_template":{"template":{}}}]})"),
            R"({"template":{}})");
}

TEST(es_setup_root, reads_version_and_distribution) {
  es::cluster_capabilities c;
  es::read_root_info(R"({"version":{"number":"8.14.3","build_flavor":"default"}})", c);
  EXPECT_EQ(c.major, 8);
  EXPECT_EQ(c.minor, 14);
  EXPECT_TRUE(c.xpack);
  es::cluster_capabilities o;
  es::read_root_info(R"({"version":{"number":"7.10.2","build_flavor":"oss"}})", o);
  EXPECT_EQ(o.minor, 10);
  EXPECT_FALSE(o.xpack);
  es::cluster_capabilities embedded;
  es::read_root_info(R"({"version":{"number":"7.10.2","build_flavor":"unknown"}})", embedded);
  EXPECT_FALSE(embedded.xpack);
  es::cluster_capabilities s;
  es::read_root_info(R"({"version":{"distribution":"opensearch","number":"2.19.1"}})", s);
  EXPECT_EQ(s.major, 7);
  EXPECT_FALSE(s.xpack);
  auto t = es::parse_index_templates(
      R"({"index_templates":[{"name":"logs","index_template":{"index_patterns":["logs-*-*"],"priority":100}}]})");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].name, "logs");
  EXPECT_EQ(t[0].patterns, std::vector<std::string>{"logs-*-*"});
  EXPECT_EQ(t[0].priority, 100);
}

TEST(es_setup_pretty, indents_and_round_trips) {
  const std::string c = R"({"a":[1,{"b":"x\"y"}],"e":{},"f":[]})";
  const std::string pretty = es::pretty_json(c);
  EXPECT_EQ(pretty, "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x\\\"y\"\n    }\n  ],\n  \"e\": {},\n  \"f\": []\n}");
  simdjson::dom::parser p;
  simdjson::dom::element e;
  EXPECT_FALSE(p.parse(pretty).get(e));
}
