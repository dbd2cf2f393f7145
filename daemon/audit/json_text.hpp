// JSON text helpers for the renderer: escape a string, copy raw JSON so that it stays one valid NDJSON line.
#pragma once

#include <string>
#include <string_view>

namespace sf::audit {

// Appends `s` (an unescaped value) as a JSON string, quotes included. Control characters, quotes and
// backslashes are escaped; everything else (valid UTF-8, as simdjson has checked) is copied as is.
void append_json_string(std::string& out, std::string_view s);

// The same without the quotes: the escaped content, for a string assembled from several pieces.
void append_json_escaped(std::string& out, std::string_view s);

// Appends raw JSON text taken from the input. Text without any byte below 0x20 is copied as is (the fast,
// usual case); otherwise whitespace outside strings is dropped and control characters inside strings are
// escaped, so a pretty-printed or sloppy input never splits an NDJSON line.
void append_raw_json(std::string& out, std::string_view raw);

// True when `s` holds a byte below 0x20 (newline, tab, any control character).
bool has_control_byte(std::string_view s);

// `s` without trailing JSON whitespace (simdjson's raw tokens include the spaces that follow them).
inline std::string_view trim_json_space(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace sf::audit
