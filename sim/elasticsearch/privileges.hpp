// Security privileges the simulated key holds: _has_privileges answers, and which requests they refuse.
#pragma once

#include "sim/elasticsearch/rest_error.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sfsim::es {

class privileges {
 public:
  // Names the key lacks (cluster or index privileges); everything else is granted.
  void set_lacking(std::vector<std::string> names) { lacking_ = std::move(names); }
  const std::vector<std::string>& lacking() const { return lacking_; }
  // False when `name` is lacking or includes a lacking one ("all" includes every privilege, "write" create_doc).
  bool holds(std::string_view name) const;
  // POST /_security/user/_has_privileges: the answer body, or the request's error.
  std::variant<std::string, rest_error> has_privileges(std::string_view body, std::string_view username) const;
  // 403 security_exception for a cluster action (e.g. "cluster:admin/ilm/put") that needs `privilege`.
  rest_error cluster_denied(std::string_view action, std::string_view privilege, std::string_view username) const;

 private:
  std::vector<std::string> lacking_;
};

// Comma list "a,b" into names (blank entries dropped).
std::vector<std::string> split_names(std::string_view list);

}  // namespace sfsim::es
