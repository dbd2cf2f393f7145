// What an 8.x cluster with x-pack installs by itself: the `logs` index template, its component templates
// (logs@mappings, logs@settings, ecs@mappings) and the `logs` ILM policy.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sfsim::es {

// name -> body, as PUT _component_template would take them.
std::vector<std::pair<std::string, std::string>> builtin_component_templates();
// The `logs` composable index template for `patterns` (logs-*-* unless --data-stream-pattern says otherwise).
std::string builtin_logs_template(const std::vector<std::string>& patterns);
// name -> the "policy" object of PUT _ilm/policy.
std::vector<std::pair<std::string, std::string>> builtin_ilm_policies();

}  // namespace sfsim::es
