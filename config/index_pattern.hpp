// Event-time index names: `scaleft-audit-%{+yyyy.MM.dd}` resolved from each event's @timestamp (UTC).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::config {

// A parsed index name: literal text and the date fields of Logstash/Beats `%{+FORMAT}` patterns.
class index_pattern {
 public:
  enum class field { year4, year2, month, day, hour, minute };
  struct segment {
    std::string literal;  // used when `is_field` is false
    field what = field::year4;
    bool is_field = false;
  };

  // Parses `text`. A name without `%{` is a plain (fixed) name. Inside `%{+...}` the tokens are yyyy (or
  // YYYY), yy, MM, dd, HH, mm and the separators `.`, `-`, `_`; anything else is an error, set in `problem`
  // (one line, no key name) when nullopt is returned.
  static std::optional<index_pattern> parse(std::string_view text, std::string& problem);

  bool has_date() const { return has_date_; }
  const std::string& text() const { return text_; }
  // The name for the event at `timestamp` (RFC 3339, any offset: the UTC date is used), or nullopt when the
  // timestamp cannot be read.
  std::optional<std::string> resolve(std::string_view timestamp) const;
  // The index pattern every resolved name matches: each date field as `*` ("scaleft-audit-*").
  std::string wildcard() const;
  // The literal text before the first date field, without trailing separators ("scaleft-audit"); the whole
  // name for a fixed one. Names the templates and the lifecycle policy.
  std::string stem() const;

 private:
  std::string text_;
  std::vector<segment> segments_;
  bool has_date_ = false;
};

}  // namespace sf::config
