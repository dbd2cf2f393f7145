// Link header parsing, tolerant of whitespace, quoting, parameter order and several rel values.
#include "common/http/link_header.hpp"

#include <cctype>

namespace sf::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

}  // namespace

std::optional<std::string> find_link(std::string_view v, std::string_view rel) {
  std::size_t i = 0;
  while (i < v.size()) {
    skip_space(v, i);
    if (i < v.size() && v[i] == ',') {
      ++i;
      continue;
    }
    if (i >= v.size() || v[i] != '<') {
      // Not a link start: skip to the next comma outside quotes.
      bool quoted = false;
      while (i < v.size() && (quoted || v[i] != ',')) {
        if (v[i] == '"') quoted = !quoted;
        ++i;
      }
      continue;
    }
    const auto close = v.find('>', i);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view target = v.substr(i + 1, close - i - 1);
    i = close + 1;
    bool matches = false;
    // Parameters: ;name=value or ;name="value"
    for (;;) {
      skip_space(v, i);
      if (i >= v.size() || v[i] != ';') break;
      ++i;
      skip_space(v, i);
      std::size_t name_start = i;
      while (i < v.size() && v[i] != '=' && v[i] != ';' && v[i] != ',' && v[i] != ' ') ++i;
      std::string_view name = v.substr(name_start, i - name_start);
      skip_space(v, i);
      std::string value;
      if (i < v.size() && v[i] == '=') {
        ++i;
        skip_space(v, i);
        if (i < v.size() && v[i] == '"') {
          ++i;
          while (i < v.size() && v[i] != '"') {
            if (v[i] == '\\' && i + 1 < v.size()) ++i;
            value += v[i++];
          }
          if (i < v.size()) ++i;
        } else {
          while (i < v.size() && v[i] != ';' && v[i] != ',' && v[i] != ' ') value += v[i++];
        }
      }
      if (iequals(name, "rel")) {
        std::string_view rels = value;
        while (!rels.empty()) {
          auto sp = rels.find(' ');
          if (iequals(rels.substr(0, sp), rel)) matches = true;
          if (sp == std::string_view::npos) break;
          rels = rels.substr(sp + 1);
        }
      }
    }
    if (matches) return std::string(target);
  }
  return std::nullopt;
}

}  // namespace sf::http
