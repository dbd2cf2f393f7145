// The README's configuration reference: a Markdown table made from the key table, and its place in README.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sf::config {

// The marker lines around the generated table in README.md.
inline constexpr std::string_view reference_begin_marker =
    "<!-- BEGIN config-reference: generated from config/keys.cpp by sf-config-reference; edit the table "
    "there -->";
inline constexpr std::string_view reference_end_marker = "<!-- END config-reference -->";

// One row per key: key, type, default, meaning.
std::string reference_table_markdown();

// `document` with the text between the markers replaced by `table`; nullopt when the markers are missing
// or out of order.
std::optional<std::string> splice_reference_table(std::string_view document, std::string_view table);

}  // namespace sf::config
