// A key's value as the configuration file spells it: what check-config shows and the README's defaults.
#include "config/value_text.hpp"

#include "common/units/units.hpp"

namespace sf::config::schema {

std::string value_text(const key_spec& key, const value& v) {
  switch (key.type) {
    case kind::integer:
      return std::to_string(std::get<long long>(v));
    case kind::size:
      return units::format_size(static_cast<std::uint64_t>(std::get<long long>(v)));
    case kind::boolean:
      return std::get<bool>(v) ? "true" : "false";
    case kind::duration:
      return units::format_duration(std::get<duration>(v));
    case kind::choice:
      for (const auto& c : key.choices)
        if (c.value == std::get<long long>(v)) return std::string(c.name);
      return {};
    case kind::secret:
      return std::get<secret>(v).empty() ? "" : "<redacted>";
    case kind::start_position: {
      const auto& p = std::get<start_position>(v);
      return p.what == start_position::kind::oldest   ? "oldest"
             : p.what == start_position::kind::newest ? "newest"
                                                      : p.time;
    }
    case kind::string:
    case kind::url:
    case kind::cloud_id:
      return std::get<std::string>(v);
    case kind::url_list:
    case kind::program:
    case kind::section:
    case kind::sink_list:
      return {};
  }
  return {};
}

}  // namespace sf::config::schema
