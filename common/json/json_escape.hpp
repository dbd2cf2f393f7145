// JSON string escaping: the one escaper for documents, state files, log records and the simulators.
#pragma once

#include "common/text/text_buffer.hpp"

#include <string>
#include <string_view>

namespace sf::json {

// Each writer takes its output as a std::string or a text::text_buffer (the renderer's document arena); both
// are compiled in json_escape.cpp.

// Appends `s` (an unescaped value) as a JSON string, quotes included. Control characters, quotes and
// backslashes are escaped; everything else (valid UTF-8 is the caller's promise) is copied as is.
template <class Out>
void append_json_string(Out& out, std::string_view s);

// The same without the quotes: the escaped content, for a string assembled from several pieces.
template <class Out>
void append_json_escaped(Out& out, std::string_view s);

// Appends the escape sequence of one byte that JSON does not allow raw inside a string.
template <class Out>
void append_json_escape(Out& out, unsigned char c);

// The first quote or backslash at or after `p`, in JSON text that holds one after it (a string's closing
// quote) and stays readable for 15 bytes past it (simdjson's padded input): where a string whose content
// starts at `p` ends, or its first escape.
const char* find_string_stop(const char* p);

// True when `s` holds a byte below 0x20 (newline, tab, any control character).
bool has_control_byte(std::string_view s);

// The number of bytes append_json_escaped writes for `s` (its size when nothing needs escaping).
std::size_t escaped_size(std::string_view s);

}  // namespace sf::json
