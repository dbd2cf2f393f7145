// Event-time index names: parsing the Logstash/Beats date pattern and resolving it from an RFC 3339 time.
#include "config/index_pattern.hpp"

#include "common/time/rfc3339.hpp"

namespace sf::config {

std::optional<index_pattern> index_pattern::parse(std::string_view text, std::string& problem) {
  index_pattern p;
  p.text_ = std::string(text);
  std::string literal;
  auto flush = [&] {
    if (literal.empty()) return;
    p.segments_.push_back({std::move(literal), field::year4, false});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "%{") != 0) {
      literal.push_back(text[i++]);
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      problem = "has '%{' without a closing '}'";
      return std::nullopt;
    }
    std::string_view format = text.substr(i + 2, close - i - 2);
    if (format.empty() || format.front() != '+') {
      problem = "supports only date patterns %{+FORMAT} (from @timestamp), not '%{" + std::string(format) + "}'";
      return std::nullopt;
    }
    format.remove_prefix(1);
    if (format.empty()) {
      problem = "has an empty date pattern '%{+}'";
      return std::nullopt;
    }
    flush();
    static constexpr struct {
      std::string_view token;
      field what;
    } tokens[] = {{"yyyy", field::year4}, {"YYYY", field::year4}, {"yy", field::year2}, {"YY", field::year2},
                  {"MM", field::month},   {"dd", field::day},     {"HH", field::hour},  {"mm", field::minute}};
    std::size_t j = 0;
    while (j < format.size()) {
      bool matched = false;
      for (const auto& t : tokens) {
        if (format.compare(j, t.token.size(), t.token) == 0 &&
            (j + t.token.size() == format.size() || format[j + t.token.size()] != t.token[0])) {
          flush();
          p.segments_.push_back({{}, t.what, true});
          p.has_date_ = true;
          j += t.token.size();
          matched = true;
          break;
        }
      }
      if (matched) continue;
      const char c = format[j];
      if (c == '.' || c == '-' || c == '_') {
        literal.push_back(c);
        ++j;
        continue;
      }
      problem = "has '" + std::string(1, c) + "' in the date pattern '%{+" + std::string(format) +
                "}': use yyyy, yy, MM, dd, HH, mm and the separators . - _";
      return std::nullopt;
    }
    i = close + 1;
  }
  flush();
  return p;
}

std::optional<std::string> index_pattern::resolve(std::string_view timestamp) const {
  if (!has_date_) return text_;
  const auto ns = time::parse_rfc3339_ns(timestamp);
  if (!ns) return std::nullopt;
  // A UTC time ("...Z") already holds the digits; any other offset is converted to UTC first.
  std::string utc;
  std::string_view t = timestamp;
  if (t.back() != 'Z' && t.back() != 'z') {
    utc = time::format_rfc3339_ns(*ns);
    t = utc;
  }
  std::string out;
  out.reserve(text_.size() + 8);
  for (const auto& s : segments_) {
    if (!s.is_field) {
      out.append(s.literal);
      continue;
    }
    switch (s.what) {
      case field::year4: out.append(t.substr(0, 4)); break;
      case field::year2: out.append(t.substr(2, 2)); break;
      case field::month: out.append(t.substr(5, 2)); break;
      case field::day: out.append(t.substr(8, 2)); break;
      case field::hour: out.append(t.substr(11, 2)); break;
      case field::minute: out.append(t.substr(14, 2)); break;
    }
  }
  return out;
}

std::string index_pattern::wildcard() const {
  std::string out;
  for (const auto& s : segments_) {
    if (!s.is_field)
      out.append(s.literal);
    else if (out.empty() || out.back() != '*')
      out.push_back('*');
  }
  // "a-*.*.*" matches exactly what "a-*" matches: after the last literal word, stars and separators alone
  // shorten to one star.
  const auto last_word = out.find_last_not_of("*.-_");
  const auto star = out.find('*', last_word == std::string::npos ? 0 : last_word);
  if (star != std::string::npos) out.resize(star + 1);
  return out;
}

std::string index_pattern::stem() const {
  if (!has_date_) return text_;
  std::string out;
  for (const auto& s : segments_) {
    if (s.is_field) break;
    out.append(s.literal);
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.' || out.back() == '_')) out.pop_back();
  return out.empty() ? std::string("scaleft-audit") : out;
}

}  // namespace sf::config
