// Percent-encoding and decoding, strict and lenient.
#include "common/text/percent_encoding.hpp"

namespace sf::text {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Decodes into `out`; returns false at the first broken escape when `strict`, else keeps it as written.
bool decode(std::string_view s, plus_sign plus, bool strict, std::string& out) {
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      const bool room = i + 2 < s.size();
      const int hi = room ? hex_value(s[i + 1]) : -1;
      const int lo = room ? hex_value(s[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
      if (strict) return false;
      out += c;
    } else if (c == '+' && plus == plus_sign::space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

}  // namespace

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> percent_decode_strict(std::string_view s, plus_sign plus) {
  std::string out;
  if (!decode(s, plus, true, out)) return std::nullopt;
  return out;
}

std::string percent_decode_lenient(std::string_view s, plus_sign plus) {
  std::string out;
  decode(s, plus, false, out);
  return out;
}

}  // namespace sf::text
