// Whole-request errors in Elasticsearch's REST form:
// {"error":{"root_cause":[...],"type","reason"},"status":N}.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sfsim::es {

struct rest_error {
  int status = 400;
  std::string type;
  std::string reason;
  // Extra members placed inside the error object (and its root cause) as raw JSON: key, value.
  std::vector<std::pair<std::string, std::string>> extra;
};

std::string render_rest_error(const rest_error& e);

// The one error Elasticsearch renders as a plain string: {"error":"...","status":406}.
std::string render_string_error(std::string_view reason, int status);

}  // namespace sfsim::es
