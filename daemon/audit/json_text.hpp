// JSON text helpers for the renderer: copy raw JSON so that it stays one valid NDJSON line (escaping is common/json).
#pragma once

#include "common/json/json_escape.hpp"

#include <string>
#include <string_view>

namespace sf::audit {

// The renderer writes strings with the one escaper.
using json::append_json_escaped;
using json::append_json_string;
using json::has_control_byte;

// Appends raw JSON text taken from the input. Text without any byte below 0x20 is copied as is (the fast,
// usual case); otherwise whitespace outside strings is dropped and control characters inside strings are
// escaped, so a pretty-printed or sloppy input never splits an NDJSON line.
// Compiled for std::string and text::text_buffer.
template <class Out>
void append_raw_json(Out& out, std::string_view raw);

// `s` without trailing JSON whitespace (simdjson's raw tokens include the spaces that follow them).
inline std::string_view trim_json_space(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace sf::audit
