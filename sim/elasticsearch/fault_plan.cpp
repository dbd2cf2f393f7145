// Injected failures: the --fault syntax, and which bulk request or item gets which fault.
#include "sim/elasticsearch/fault_plan.hpp"
#include "sim/common/fault_values.hpp"

#include <charconv>
#include <cstdlib>

namespace sfsim::es {

namespace {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  std::uint64_t n = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || p == s.data()) return std::nullopt;
  const std::string_view unit(p, static_cast<std::size_t>(s.data() + s.size() - p));
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60'000);
  return std::nullopt;
}

}  // namespace

std::string fault_rule::label() const {
  std::string out = scope == fault_scope::item ? "item:" : "bulk:";
  switch (kind) {
    case fault_kind::status:
      return out + std::to_string(status);
    case fault_kind::reset:
      return out + "reset";
    case fault_kind::reset_body:
      return out + "reset_body";
    case fault_kind::stall:
      return out + "stall";
    case fault_kind::delay:
      return out + "delay";
  }
  return out;
}

std::variant<fault_rule, std::string> parse_fault(std::string_view spec) {
  const std::string whole(spec);
  auto bad = [&](std::string why) { return "fault '" + whole + "': " + why; };
  fault_rule rule;
  rule.spec = whole;
  const auto c1 = spec.find(':');
  if (c1 == std::string_view::npos) return bad("expected item:KIND[:OPTION]... or bulk:KIND[:OPTION]...");
  const auto scope = spec.substr(0, c1);
  if (scope == "item")
    rule.scope = fault_scope::item;
  else if (scope == "bulk")
    rule.scope = fault_scope::bulk;
  else
    return bad("scope must be item or bulk");
  std::string_view rest = spec.substr(c1 + 1);
  const auto c2 = rest.find(':');
  const auto kind = rest.substr(0, c2);
  rest = c2 == std::string_view::npos ? std::string_view{} : rest.substr(c2 + 1);
  if (rule.scope == fault_scope::item) {
    if (kind == "400" || kind == "403" || kind == "404" || kind == "429" || kind == "503") {
      rule.status = std::atoi(std::string(kind).c_str());
    } else {
      return bad("item faults are 400, 403, 404, 429 or 503");
    }
  } else if (kind == "429" || kind == "502" || kind == "503") {
    rule.status = std::atoi(std::string(kind).c_str());
  } else if (kind == "reset") {
    rule.kind = fault_kind::reset;
  } else if (kind == "reset_body") {
    rule.kind = fault_kind::reset_body;
  } else if (kind == "stall") {
    rule.kind = fault_kind::stall;
    rule.delay = std::chrono::seconds(120);
  } else if (kind.starts_with("delay=")) {
    rule.kind = fault_kind::delay;
    const auto d = parse_duration(kind.substr(6));
    if (!d) return bad("delay must be a duration such as 200ms or 2s");
    rule.delay = *d;
  } else {
    return bad("bulk faults are 429, 502, 503, reset, reset_body, stall or delay=DURATION");
  }
  while (!rest.empty()) {
    std::string_view opt;
    if (rest.starts_with("id=")) {  // ids may hold ':' themselves: id= takes the rest of the spec
      opt = rest;
      rest = {};
    } else {
      const auto c = rest.find(':');
      opt = rest.substr(0, c);
      rest = c == std::string_view::npos ? std::string_view{} : rest.substr(c + 1);
    }
    if (opt.starts_with("p=")) {
      const auto p = sfsim::parse_probability(opt.substr(2));
      if (!p) return bad("p must be a number in [0, 1]");
      rule.probability = *p;
    } else if (opt.starts_with("n=")) {
      const auto n = sfsim::parse_positive_count(opt.substr(2));
      if (!n) return bad("n must be a positive integer");
      rule.remaining = *n;
    } else if (opt.starts_with("id=") && rule.scope == fault_scope::item) {
      std::string_view ids = opt.substr(3);
      while (!ids.empty()) {
        const auto comma = ids.find(',');
        if (comma != 0) rule.ids.emplace_back(ids.substr(0, comma));
        ids = comma == std::string_view::npos ? std::string_view{} : ids.substr(comma + 1);
      }
      if (rule.ids.empty()) return bad("id= needs at least one id");
    } else if (opt.starts_with("delay=") && rule.kind == fault_kind::stall) {
      const auto d = parse_duration(opt.substr(6));
      if (!d) return bad("delay must be a duration such as 200ms or 2s");
      rule.delay = *d;
    } else {
      return bad("unknown option '" + std::string(opt) + "'");
    }
  }
  return rule;
}

fault_plan::fault_plan(std::uint64_t seed) : rng_(seed * 0x9e3779b97f4a7c15ULL + 0x6573) {}

double fault_plan::unit() {
  // splitmix64: small, seeded, identical everywhere, so a seed replays the same faults.
  std::uint64_t z = (rng_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

std::optional<fault_rule> fault_plan::draw(fault_scope scope, std::string_view id, bool has_id) {
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->scope != scope) continue;
    if (!it->ids.empty()) {
      bool hit = false;
      for (const auto& want : it->ids) hit = hit || (has_id && want == id);
      if (!hit) continue;
    }
    bool fire;
    if (it->remaining)
      fire = true;
    else if (!it->ids.empty())
      fire = it->probability >= 1.0 || unit() < it->probability;
    else
      fire = it->probability > 0 && (it->probability >= 1.0 || unit() < it->probability);
    if (!fire) continue;
    fault_rule fired = *it;
    if (it->remaining && --*it->remaining == 0) rules_.erase(it);
    ++injected_[fired.label()];
    return fired;
  }
  return std::nullopt;
}

std::optional<fault_rule> fault_plan::draw_bulk() {
  return draw(fault_scope::bulk, {}, false);
}
std::optional<fault_rule> fault_plan::draw_item(std::string_view id, bool has_id) {
  return draw(fault_scope::item, id, has_id);
}

}  // namespace sfsim::es
