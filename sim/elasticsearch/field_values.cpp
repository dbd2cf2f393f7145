// Value checks of concrete field types: date formats and date detection, IP literals, numbers, previews.
#include "sim/elasticsearch/field_values.hpp"
#include "sim/elasticsearch/dom_util.hpp"

#include <arpa/inet.h>

#include <array>

namespace sfsim::es {

namespace {

bool digits(std::string_view s, std::size_t& i, std::size_t n) {
  if (i + n > s.size()) return false;
  for (std::size_t k = 0; k < n; ++k)
    if (s[i + k] < '0' || s[i + k] > '9') return false;
  i += n;
  return true;
}

int number_at(std::string_view s, std::size_t i, std::size_t n) {
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) v = v * 10 + (s[i + k] - '0');
  return v;
}

bool valid_day(int y, int m, int d) {
  static constexpr std::array<int, 12> days{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > days[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

// yyyy-MM-dd (or yyyy/MM/dd with `sep` '/') starting at i.
bool date_part(std::string_view s, std::size_t& i, char sep) {
  const std::size_t start = i;
  if (!digits(s, i, 4) || i >= s.size() || s[i] != sep) return false;
  ++i;
  if (!digits(s, i, 2) || i >= s.size() || s[i] != sep) return false;
  ++i;
  if (!digits(s, i, 2)) return false;
  return valid_day(number_at(s, start, 4), number_at(s, start + 5, 2), number_at(s, start + 8, 2));
}

bool time_hms(std::string_view s, std::size_t& i, bool seconds_required) {
  const std::size_t h = i;
  if (!digits(s, i, 2) || number_at(s, h, 2) > 23) return false;
  if (i >= s.size() || s[i] != ':') return !seconds_required;
  ++i;
  const std::size_t m = i;
  if (!digits(s, i, 2) || number_at(s, m, 2) > 59) return false;
  if (i >= s.size() || s[i] != ':') return !seconds_required;
  ++i;
  const std::size_t sec = i;
  return digits(s, i, 2) && number_at(s, sec, 2) <= 59;
}

bool is_date_only(std::string_view s) {
  std::size_t i = 0;
  return date_part(s, i, '-') && i == s.size();
}

bool is_slash_date_only(std::string_view s) {
  std::size_t i = 0;
  return date_part(s, i, '/') && i == s.size();
}

bool is_slash_date_time(std::string_view s) {
  std::size_t i = 0;
  if (!date_part(s, i, '/') || i >= s.size() || s[i] != ' ') return false;
  ++i;
  return time_hms(s, i, true) && i == s.size();
}

bool is_epoch(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t first = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == first) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t frac = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == frac) return false;
  }
  return i == s.size();
}

// One alternative of a `format` (between "||"): true if `s` parses, nullopt if es-sim does not know it.
std::optional<bool> parses_as(std::string_view format, std::string_view s) {
  if (format == "strict_date_optional_time" || format == "date_optional_time" ||
      format == "strict_date_optional_time_nanos")
    return is_strict_date_optional_time(s);
  if (format == "epoch_millis" || format == "epoch_second") return is_epoch(s);
  if (format == "yyyy/MM/dd HH:mm:ss") return is_slash_date_time(s);
  if (format == "yyyy/MM/dd") return is_slash_date_only(s);
  if (format == "yyyy-MM-dd" || format == "strict_date" || format == "date") return is_date_only(s);
  return std::nullopt;
}

}  // namespace

bool is_strict_date_optional_time(std::string_view s) {
  std::size_t i = 0;
  // yyyy, yyyy-MM and yyyy-MM-dd are all dates; a time needs the whole date.
  if (!digits(s, i, 4)) return false;
  if (i == s.size()) return true;
  if (s[i] != '-') return false;
  ++i;
  const std::size_t month = i;
  if (!digits(s, i, 2)) return false;
  if (number_at(s, month, 2) < 1 || number_at(s, month, 2) > 12) return false;
  if (i == s.size()) return true;
  i = 0;
  if (!date_part(s, i, '-')) return false;
  if (i == s.size()) return true;
  if (s[i] != 'T') return false;
  ++i;
  if (!time_hms(s, i, false)) return false;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    const std::size_t frac = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == frac || i - frac > 9) return false;
  }
  if (i == s.size()) return true;
  if (s[i] == 'Z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  ++i;
  const std::size_t zh = i;
  if (!digits(s, i, 2) || number_at(s, zh, 2) > 18) return false;
  if (i == s.size()) return true;
  if (s[i] == ':') ++i;
  return digits(s, i, 2) && i == s.size();
}

bool is_slash_date(std::string_view s) { return is_slash_date_only(s) || is_slash_date_time(s); }

std::optional<std::string> detect_date(std::string_view s) {
  // Elasticsearch only tries strings that look like dates ("1" would parse as a year otherwise).
  std::size_t colons = 0, dashes = 0, slashes = 0;
  for (const char c : s) {
    colons += c == ':';
    dashes += c == '-';
    slashes += c == '/';
  }
  if (colons <= 1 && dashes <= 1 && slashes <= 1) return std::nullopt;
  if (is_strict_date_optional_time(s)) return std::string();
  if (is_slash_date(s)) return std::string(slash_date_format);
  return std::nullopt;
}

bool date_matches_format(std::string_view format, std::string_view s) {
  if (format.empty()) format = default_date_format;
  bool any_known = false;
  while (true) {
    const auto bar = format.find("||");
    const auto alt = format.substr(0, bar);
    if (auto ok = parses_as(alt, s)) {
      if (*ok) return true;
      any_known = true;
    }
    if (bar == std::string_view::npos) break;
    format = format.substr(bar + 2);
  }
  return !any_known;  // a pattern es-sim does not know: accepted rather than refused by mistake
}

bool is_ip_literal(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  const std::string text(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool is_numeric_text(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  bool any = i > int_start;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t f = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    any = any || i > f;
  }
  if (!any) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t e = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == e) return false;
  }
  return i == s.size();
}

void append_preview(std::string& out, simdjson::dom::element v) {
  using et = simdjson::dom::element_type;
  switch (v.type()) {
    case et::STRING:
      out += v.get_string().value_unsafe();
      return;
    case et::OBJECT: {
      out += '{';
      bool first = true;
      for (const auto f : as_object(v)) {
        if (!first) out += ", ";
        first = false;
        out += f.key;
        out += '=';
        append_preview(out, f.value);
      }
      out += '}';
      return;
    }
    case et::ARRAY: {
      out += '[';
      bool first = true;
      for (const auto e : as_array(v)) {
        if (!first) out += ", ";
        first = false;
        append_preview(out, e);
      }
      out += ']';
      return;
    }
    default:
      out += simdjson::minify(v);
  }
}

}  // namespace sfsim::es
