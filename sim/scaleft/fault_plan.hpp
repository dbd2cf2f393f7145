// Injected failures: the --fault syntax, and which request gets which fault (by chance or the next N).
#pragma once

#include "sim/scaleft/rng.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sfsim::scaleft {

enum class endpoint { token, audits, keys };
enum class fault_kind {
  too_many_requests,  // 429
  internal_error,     // 500
  bad_gateway,        // 502 with an HTML body
  unavailable,        // 503
  gateway_timeout,    // 504
  reset,              // connection reset before any response byte
  reset_body,         // reset half way through the body
  truncate,           // a cut JSON body whose Content-Length matches the cut
  invalid_json,       // 200 with a body that is not JSON
  stall,              // nothing for `delay` (120 s unless given)
  trickle,            // the response a few bytes at a time
  expire_token,       // the bearer token used expires now: 401
  short_page,         // auditsV2 lists fewer events than `count` (half, at least one) although more exist
  authorization_error,  // 401 authorization_error: the caller lacks a role; a fresh token does not cure it
};

std::string_view to_string(fault_kind k);
std::string_view to_string(endpoint e);

struct fault_rule {
  std::optional<endpoint> where;  // nullopt: every endpoint
  fault_kind kind = fault_kind::internal_error;
  double probability = 1.0;                // used when `remaining` is empty
  std::optional<std::uint64_t> remaining;  // n=N: the next N matching requests
  std::chrono::milliseconds delay{0};      // stall length or trickle pause; 0 = the kind's default
};

// "audits:500:p=0.05", "token:429:n=2", "all:stall:n=1:delay=3s". Error text names what was wrong.
std::variant<fault_rule, std::string> parse_fault(std::string_view spec);

class fault_plan {
 public:
  explicit fault_plan(std::uint64_t seed) : rng_(seed ^ 0x6661756c74ULL) {}
  void add(fault_rule rule) { rules_.push_back(std::move(rule)); }
  void clear() { rules_.clear(); }
  const std::vector<fault_rule>& rules() const { return rules_; }
  // The fault for this request, if any; first matching rule wins. `has_token`: expire_token only applies
  // to calls that carry a bearer token.
  std::optional<fault_rule> draw(endpoint where, bool has_token);
  void count(fault_kind k) { ++injected_[std::string(to_string(k))]; }
  const std::map<std::string, std::uint64_t>& injected() const { return injected_; }

 private:
  sim_rng rng_;
  std::vector<fault_rule> rules_;
  std::map<std::string, std::uint64_t> injected_;
};

}  // namespace sfsim::scaleft
