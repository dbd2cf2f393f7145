// Injected failures: the --fault syntax, and which request gets which fault (by chance or the next N).
#include "sim/scaleft/fault_plan.hpp"
#include "sim/common/fault_values.hpp"

#include "sim/scaleft/sim_time.hpp"

#include <array>
#include <charconv>
#include <cstdlib>

namespace sfsim::scaleft {

namespace {
struct kind_name {
  fault_kind kind;
  std::string_view name;
};
constexpr std::array kind_names{
    kind_name{fault_kind::too_many_requests, "429"},     kind_name{fault_kind::internal_error, "500"},
    kind_name{fault_kind::bad_gateway, "502"},           kind_name{fault_kind::unavailable, "503"},
    kind_name{fault_kind::gateway_timeout, "504"},       kind_name{fault_kind::reset, "reset"},
    kind_name{fault_kind::reset_body, "reset_body"},     kind_name{fault_kind::truncate, "truncate"},
    kind_name{fault_kind::invalid_json, "invalid_json"}, kind_name{fault_kind::stall, "stall"},
    kind_name{fault_kind::trickle, "trickle"},           kind_name{fault_kind::expire_token, "expire_token"},
    kind_name{fault_kind::short_page, "short_page"},     kind_name{fault_kind::authorization_error, "authorization_error"}};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) return out;
    s = s.substr(p + 1);
  }
}
}  // namespace

std::string_view to_string(fault_kind k) {
  for (const auto& kn : kind_names) {
    if (kn.kind == k) return kn.name;
  }
  return "?";
}

std::string_view to_string(endpoint e) {
  switch (e) {
    case endpoint::token:
      return "token";
    case endpoint::audits:
      return "audits";
    case endpoint::keys:
      return "keys";
  }
  return "?";
}

std::variant<fault_rule, std::string> parse_fault(std::string_view spec) {
  const auto parts = split(spec, ':');
  if (parts.size() < 2)
    return "fault '" + std::string(spec) + "': expected ENDPOINT:KIND[:p=P|:n=N][:delay=D]";
  fault_rule rule;
  if (parts[0] == "token")
    rule.where = endpoint::token;
  else if (parts[0] == "audits")
    rule.where = endpoint::audits;
  else if (parts[0] == "keys")
    rule.where = endpoint::keys;
  else if (parts[0] != "all")
    return "fault '" + std::string(spec) + "': endpoint must be token, audits, keys or all";
  bool known = false;
  for (const auto& kn : kind_names) {
    if (kn.name == parts[1]) {
      rule.kind = kn.kind;
      known = true;
    }
  }
  if (!known) return "fault '" + std::string(spec) + "': unknown kind '" + std::string(parts[1]) + "'";
  if (rule.kind == fault_kind::short_page && rule.where && *rule.where != endpoint::audits)
    return "fault '" + std::string(spec) + "': short_page applies to audits (or all) only";
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const auto opt = parts[i];
    if (opt.starts_with("p=")) {
      const auto p = sfsim::parse_probability(opt.substr(2));
      if (!p) return "fault '" + std::string(spec) + "': p must be a number in [0, 1]";
      rule.probability = *p;
    } else if (opt.starts_with("n=")) {
      const auto n = sfsim::parse_positive_count(opt.substr(2));
      if (!n) return "fault '" + std::string(spec) + "': n must be a positive integer";
      rule.remaining = *n;
    } else if (opt.starts_with("delay=")) {
      const auto d = parse_duration(opt.substr(6));
      if (!d) return "fault '" + std::string(spec) + "': delay must be a duration such as 500ms or 3s";
      rule.delay = std::chrono::milliseconds(*d / 1'000'000);
    } else {
      return "fault '" + std::string(spec) + "': unknown option '" + std::string(opt) + "'";
    }
  }
  return rule;
}

std::optional<fault_rule> fault_plan::draw(endpoint where, bool has_token) {
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->where && *it->where != where) continue;
    if (it->kind == fault_kind::expire_token && !has_token) continue;
    if (it->kind == fault_kind::short_page && where != endpoint::audits) continue;
    if (it->remaining) {
      fault_rule fired = *it;
      if (--*it->remaining == 0) rules_.erase(it);
      return fired;
    }
    if (it->probability > 0 && rng_.chance(it->probability)) return *it;
  }
  return std::nullopt;
}

}  // namespace sfsim::scaleft
