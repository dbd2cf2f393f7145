// Injected failures: the --fault syntax, and which bulk request or item gets which fault.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sfsim::es {

enum class fault_scope { item, bulk };
enum class fault_kind {
  status,      // an HTTP status: per item (400, 403, 404, 429, 503) or for the whole request (429, 502, 503)
  reset,       // connection reset before any response byte; nothing was stored
  reset_body,  // the request is applied, then the response is cut half way and the connection reset
  stall,       // the request is applied, then nothing is sent for `delay` (120 s unless given)
  delay,       // the request is applied and answered normally after `delay`
};

struct fault_rule {
  fault_scope scope = fault_scope::item;
  fault_kind kind = fault_kind::status;
  int status = 0;
  double probability = 1.0;                // used when `remaining` is empty
  std::optional<std::uint64_t> remaining;  // n=N: the next N matching requests or items
  std::vector<std::string> ids;            // item faults only: id=a,b fires for those _ids (every time)
  std::chrono::milliseconds delay{0};
  std::string spec;           // the text it was parsed from
  std::string label() const;  // "item:429", "bulk:reset": the counter name
};

// "item:429:p=0.05", "item:400:id=abc", "bulk:503:n=2", "bulk:stall:n=1:delay=5s", "bulk:delay=200ms:p=0.5".
// The error names what was wrong.
std::variant<fault_rule, std::string> parse_fault(std::string_view spec);

class fault_plan {
 public:
  explicit fault_plan(std::uint64_t seed);
  void add(fault_rule rule) { rules_.push_back(std::move(rule)); }
  void clear() { rules_.clear(); }
  const std::vector<fault_rule>& rules() const { return rules_; }
  // The fault for this bulk request / item, if any: the first rule that fires wins. Counted when drawn.
  std::optional<fault_rule> draw_bulk();
  std::optional<fault_rule> draw_item(std::string_view id, bool has_id);
  const std::map<std::string, std::uint64_t>& injected() const { return injected_; }

 private:
  std::optional<fault_rule> draw(fault_scope scope, std::string_view id, bool has_id);
  double unit();

  std::vector<fault_rule> rules_;
  std::map<std::string, std::uint64_t> injected_;
  std::uint64_t rng_;
};

}  // namespace sfsim::es
