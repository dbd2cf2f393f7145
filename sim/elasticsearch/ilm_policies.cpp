// ILM policies: PUT/GET/DELETE _ilm/policy storage, validated as the timeseries lifecycle type validates.
#include "sim/elasticsearch/ilm_policies.hpp"
#include "sim/elasticsearch/dom_util.hpp"

#include "sim/elasticsearch/index_templates.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>

namespace sfsim::es {

namespace {

struct phase_rule {
  std::string_view phase;
  std::vector<std::string_view> actions;
};

const std::array<phase_rule, 5>& phase_rules() {
  static const std::array<phase_rule, 5> rules{{
      {"hot", {"set_priority", "unfollow", "rollover", "readonly", "downsample", "shrink", "forcemerge",
               "searchable_snapshot"}},
      {"warm", {"set_priority", "unfollow", "readonly", "downsample", "allocate", "migrate", "shrink", "forcemerge"}},
      {"cold", {"set_priority", "unfollow", "readonly", "downsample", "searchable_snapshot", "allocate", "migrate",
                "freeze"}},
      {"frozen", {"unfollow", "searchable_snapshot"}},
      {"delete", {"wait_for_snapshot", "delete"}},
  }};
  return rules;
}

constexpr std::array<std::string_view, 12> rollover_fields{
    "max_age", "max_docs", "max_size", "max_primary_shard_size", "max_primary_shard_docs", "min_age", "min_docs",
    "min_size", "min_primary_shard_size", "min_primary_shard_docs", "max_shard_size", "max_shard_docs"};

rest_error xcontent(std::string reason) { return {400, "x_content_parse_exception", std::move(reason), {}}; }
rest_error illegal(std::string reason) { return {400, "illegal_argument_exception", std::move(reason), {}}; }

std::optional<rest_error> validate_policy(simdjson::dom::element policy) {
  if (!policy.is_object()) return xcontent("[1:2] [put_lifecycle_request] failed to parse field [policy]");
  for (const auto f : as_object(policy))
    if (f.key != "phases" && f.key != "_meta" && f.key != "deprecated")
      return xcontent("[1:12] [lifecycle_policy] unknown field [" + std::string(f.key) + "]");
  simdjson::dom::element phases;
  if (policy.at_key("phases").get(phases) != simdjson::SUCCESS) return xcontent("[1:12] Required [phases]");
  if (!phases.is_object()) return xcontent("[1:12] [lifecycle_policy] failed to parse field [phases]");
  for (const auto ph : as_object(phases)) {
    const auto& rules = phase_rules();
    auto rule = std::find_if(rules.begin(), rules.end(), [&](const phase_rule& r) { return r.phase == ph.key; });
    if (rule == rules.end()) return illegal("Timeseries lifecycle does not support phase [" + std::string(ph.key) + "]");
    if (!ph.value.is_object()) return xcontent("[1:12] [lifecycle_policy] failed to parse field [phases]");
    for (const auto pf : as_object(ph.value))
      if (pf.key != "min_age" && pf.key != "actions")
        return xcontent("[1:12] [phase] unknown field [" + std::string(pf.key) + "]");
    simdjson::dom::element actions;
    if (ph.value.at_key("actions").get(actions) != simdjson::SUCCESS) return xcontent("[1:12] Required [actions]");
    if (!actions.is_object()) return xcontent("[1:12] [phase] failed to parse field [actions]");
    for (const auto act : as_object(actions)) {
      if (!act.value.is_object())
        return xcontent("[1:12] [phase] failed to parse field [actions]");
      bool known_anywhere = false;
      for (const auto& r : rules)
        known_anywhere = known_anywhere || std::find(r.actions.begin(), r.actions.end(), act.key) != r.actions.end();
      if (!known_anywhere)
        return xcontent("[1:12] [phase] failed to parse field [actions]: unknown action [" + std::string(act.key) + "]");
      if (std::find(rule->actions.begin(), rule->actions.end(), act.key) == rule->actions.end())
        return illegal("invalid action [" + std::string(act.key) + "] defined in phase [" + std::string(ph.key) + "]");
      if (act.key == "rollover") {
        bool any_max = false;
        for (const auto c : as_object(act.value)) {
          if (std::find(rollover_fields.begin(), rollover_fields.end(), c.key) == rollover_fields.end())
            return xcontent("[1:12] [rollover] unknown field [" + std::string(c.key) + "]");
          any_max = any_max || c.key.starts_with("max_");
        }
        if (!any_max) return illegal("At least one max_* rollover condition must be set.");
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<rest_error> ilm_policies::put(std::string_view name, std::string_view body, std::string modified_date) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (body.empty()) return rest_error{400, "parse_exception", "request body is required", {}};
  if (auto ec = parser.parse(body.data(), body.size()).get(root))
    return xcontent("[1:1] Failed to parse: " + std::string(simdjson::error_message(ec)));
  if (!root.is_object()) return xcontent("[1:1] [put_lifecycle_request] Expected START_OBJECT");
  for (const auto f : as_object(root))
    if (f.key != "policy") return xcontent("[1:2] [put_lifecycle_request] unknown field [" + std::string(f.key) + "]");
  simdjson::dom::element policy;
  if (root.at_key("policy").get(policy) != simdjson::SUCCESS) return xcontent("[1:2] Required [policy]");
  if (auto e = validate_policy(policy)) return e;
  ilm_policy p;
  p.name = std::string(name);
  p.policy = simdjson::minify(policy);
  p.modified_date = std::move(modified_date);
  if (auto it = policies_.find(name); it != policies_.end()) p.version = it->second.version + 1;
  policies_.insert_or_assign(p.name, std::move(p));
  return std::nullopt;
}

std::optional<rest_error> ilm_policies::remove(std::string_view name) {
  if (policies_.find(name) == policies_.end())
    return rest_error{404, "resource_not_found_exception", "Lifecycle policy not found: " + std::string(name), {}};
  policies_.erase(policies_.find(name));
  return std::nullopt;
}

std::vector<const ilm_policy*> ilm_policies::find(std::string_view name_list) const {
  std::vector<const ilm_policy*> out;
  for (const auto& [n, p] : policies_)
    if (name_list_match(name_list, n)) out.push_back(&p);
  return out;
}

}  // namespace sfsim::es
