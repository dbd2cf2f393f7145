// The _bulk response body: {"errors":bool,"took":N,"items":[...]} in compact JSON, one item per action.
#include "sim/elasticsearch/bulk_response.hpp"

#include "sim/elasticsearch/json_text.hpp"

namespace sfsim::es {

void append_item(std::string& out, const item_result& r) {
  out += "{\"";
  out += to_string(r.op);
  out += "\":{\"_index\":";
  append_json_string(out, r.index);
  out += ",\"_id\":";
  append_json_string(out, r.id);
  if (r.ok()) {
    out += ",\"_version\":";
    out += std::to_string(r.version);
    out += ",\"result\":\"";
    out += r.result;
    out += "\",\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},\"_seq_no\":";
    out += std::to_string(r.seq_no);
    out += ",\"_primary_term\":1,\"status\":";
    out += std::to_string(r.status);
    out += "}}";
    return;
  }
  out += ",\"status\":";
  out += std::to_string(r.status);
  out += ",\"error\":{\"type\":";
  append_json_string(out, r.error_type);
  out += ",\"reason\":";
  append_json_string(out, r.error_reason);
  if (!r.caused_by_type.empty()) {
    out += ",\"caused_by\":{\"type\":";
    append_json_string(out, r.caused_by_type);
    out += ",\"reason\":";
    append_json_string(out, r.caused_by_reason);
    out += '}';
  }
  if (!r.error_index_uuid.empty()) {
    out += ",\"index_uuid\":";
    append_json_string(out, r.error_index_uuid);
    out += ",\"shard\":\"0\",\"index\":";
    append_json_string(out, r.index);
  }
  out += "}}}";
}

std::string render_bulk_response(std::int64_t took_ms, const std::vector<item_result>& items) {
  bool errors = false;
  for (const auto& r : items) errors = errors || !r.ok();
  std::string out;
  out.reserve(64 + items.size() * 200);
  out += errors ? "{\"errors\":true,\"took\":" : "{\"errors\":false,\"took\":";
  out += std::to_string(took_ms);
  out += ",\"items\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    append_item(out, items[i]);
  }
  out += "]}";
  return out;
}

}  // namespace sfsim::es
