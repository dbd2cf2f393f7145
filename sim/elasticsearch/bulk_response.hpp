// The _bulk response body: {"errors":bool,"took":N,"items":[...]} in compact JSON, one item per action.
#pragma once

#include "sim/elasticsearch/document_store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sfsim::es {

void append_item(std::string& out, const item_result& r);
std::string render_bulk_response(std::int64_t took_ms, const std::vector<item_result>& items);

}  // namespace sfsim::es
