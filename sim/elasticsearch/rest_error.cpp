// Whole-request errors in Elasticsearch's REST form:
// {"error":{"root_cause":[...],"type","reason"},"status":N}.
#include "sim/elasticsearch/rest_error.hpp"

#include "sim/elasticsearch/json_text.hpp"

namespace sfsim::es {

namespace {
void append_cause(std::string& out, const rest_error& e) {
  out += "\"type\":";
  append_json_string(out, e.type);
  out += ",\"reason\":";
  append_json_string(out, e.reason);
  for (const auto& [k, v] : e.extra) {
    out += ',';
    append_json_string(out, k);
    out += ':';
    out += v;
  }
}
}  // namespace

std::string render_rest_error(const rest_error& e) {
  std::string out = "{\"error\":{\"root_cause\":[{";
  if (e.caused_by.empty()) {
    append_cause(out, e);
  } else {
    out += "\"type\":";
    append_json_string(out, e.caused_by.back().first);
    out += ",\"reason\":";
    append_json_string(out, e.caused_by.back().second);
  }
  out += "}],";
  append_cause(out, e);
  for (const auto& [type, reason] : e.caused_by) {
    out += ",\"caused_by\":{\"type\":";
    append_json_string(out, type);
    out += ",\"reason\":";
    append_json_string(out, reason);
  }
  out.append(e.caused_by.size(), '}');
  out += "},\"status\":" + std::to_string(e.status) + "}";
  return out;
}

std::string render_string_error(std::string_view reason, int status) {
  std::string out = "{\"error\":";
  append_json_string(out, reason);
  out += ",\"status\":" + std::to_string(status) + "}";
  return out;
}

}  // namespace sfsim::es
