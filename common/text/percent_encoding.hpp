// Percent-encoding (RFC 3986): the one encoder and decoder for the forwarder and the simulators.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sf::text {

// Percent-encodes everything but RFC 3986 unreserved characters (upper-case hex): safe for a path segment
// or a query value, so ids with + / = survive a query string.
std::string percent_encode(std::string_view s);

// How a decoder treats '+' and a broken escape ("%", "%4", "%zz").
enum class plus_sign { literal, space };  // space: form/query encoding, as Go's net/url and Elasticsearch do

// Strict: nullopt on a broken escape (the real ScaleFT service answers such a request with 400).
std::optional<std::string> percent_decode_strict(std::string_view s, plus_sign plus);

// Lenient: a broken escape is kept as written (what Elasticsearch's REST layer and our own clients accept).
std::string percent_decode_lenient(std::string_view s, plus_sign plus);

}  // namespace sf::text
