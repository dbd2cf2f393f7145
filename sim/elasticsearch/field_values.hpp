// Value checks of concrete field types: date formats and date detection, IP literals, numbers, previews.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace sfsim::es {

inline constexpr std::string_view default_date_format = "strict_date_optional_time||epoch_millis";
// The format a field gets when date detection matched the second default dynamic date format.
inline constexpr std::string_view slash_date_format = "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis";

bool is_strict_date_optional_time(std::string_view s);
bool is_slash_date(std::string_view s);
// Date detection with the default dynamic_date_formats: nullopt if `s` is not taken for a date, else the
// format of the new field ("" for the default format).
std::optional<std::string> detect_date(std::string_view s);
// Whether `s` parses with a date field's `format` ("a||b"; "" = the default). Unknown patterns accept.
bool date_matches_format(std::string_view format, std::string_view s);
bool is_ip_literal(std::string_view s);
// What Java's number parsing accepts for a numeric field given a string: [+-]digits[.digits][e[+-]digits].
bool is_numeric_text(std::string_view s);
// A value as Elasticsearch previews it in a reason: strings bare, objects as {k=v, k2=v2}, arrays as [a, b].
void append_preview(std::string& out, simdjson::dom::element v);

}  // namespace sfsim::es
