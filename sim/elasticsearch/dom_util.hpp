// simdjson DOM access by value: `for (x : as_object(e))` is safe where a temporary's value_unsafe() dangles.
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

namespace sfsim::es {

// Callers have checked the type (is_object / is_array) first.
inline simdjson::dom::object as_object(simdjson::dom::element e) {
  simdjson::dom::object o;
  (void)e.get_object().get(o);
  return o;
}
inline simdjson::dom::array as_array(simdjson::dom::element e) {
  simdjson::dom::array a;
  (void)e.get_array().get(a);
  return a;
}

// A string or an array of strings (index_patterns, match, composed_of): the strings, others skipped.
inline std::vector<std::string> string_list(simdjson::dom::element v) {
  std::vector<std::string> out;
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    out.emplace_back(s);
  } else if (v.is_array()) {
    for (const auto e : as_array(v))
      if (e.get_string().get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
  return out;
}

}  // namespace sfsim::es
