// Whole-request errors in Elasticsearch's REST form:
// {"error":{"root_cause":[...],"type","reason"},"status":N}.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sfsim::es {

struct rest_error {
  rest_error() = default;
  rest_error(int s, std::string t, std::string r, std::vector<std::pair<std::string, std::string>> x = {})
      : status(s), type(std::move(t)), reason(std::move(r)), extra(std::move(x)) {}
  int status = 400;
  std::string type;
  std::string reason;
  // Extra members placed inside the error object (and its root cause) as raw JSON: key, value.
  std::vector<std::pair<std::string, std::string>> extra;
  // The chain of causes (type, reason), outermost first; the last one is the root cause.
  std::vector<std::pair<std::string, std::string>> caused_by;
};

std::string render_rest_error(const rest_error& e);

// The one error Elasticsearch renders as a plain string: {"error":"...","status":406}.
std::string render_string_error(std::string_view reason, int status);

}  // namespace sfsim::es
