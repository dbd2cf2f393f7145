// JSON string literals for the simulators' hand-written responses.
#pragma once

#include <string>
#include <string_view>

namespace sfsim {

// Appends `s` as a JSON string literal, quotes included; copies runs that need no escaping in one go.
void append_json_string(std::string& out, std::string_view s);

}  // namespace sfsim
