// The filter_path query parameter: keep only the response members that the listed paths name.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace sfsim::es {

// Filters the JSON text `json` with Elasticsearch's filter_path rules: comma-separated dotted paths, `*`
// inside a key, `**` for any depth; arrays are transparent (items.*.status reaches into every item);
// objects and arrays left empty are dropped, so items without a match disappear from `items`, and a
// response with no match at all is `{}`. Exclusions (`-path`) are ignored. Invalid JSON is returned as is.
std::string apply_filter_path(std::string_view json, std::string_view filter, simdjson::dom::parser& parser);

}  // namespace sfsim::es
