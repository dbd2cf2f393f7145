// The README's configuration reference: a Markdown table made from the key table, and its place in README.
#include "config/reference_table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "config/keys.hpp"
#include "common/units/units.hpp"
#include "config/value_text.hpp"

namespace sf::config {
namespace {

using namespace schema;

std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string type_text(const key_spec& key) {
  if (!key.shape.empty()) return std::string(key.shape);
  switch (key.type) {
    case kind::string:
      return "string";
    case kind::url:
      return "URL";
    case kind::url_list:
      return "list of URLs";
    case kind::cloud_id:
      return "Elastic Cloud id";
    case kind::integer:
      return fmt::format("int {}..{}", key.lo, key.hi);
    case kind::boolean:
      return "bool";
    case kind::duration:
      return fmt::format("duration {}..{}", units::format_duration(duration(key.lo)),
                         units::format_duration(duration(key.hi)));
    case kind::size:
      return fmt::format("size {}..{}", units::format_size(static_cast<std::uint64_t>(key.lo)),
                         units::format_size(static_cast<std::uint64_t>(key.hi)));
    case kind::choice: {
      std::string names;
      for (const auto& c : key.choices) names += fmt::format("{}`{}`", names.empty() ? "" : ", ", c.name);
      return names;
    }
    case kind::secret:
      return "secret";
    case kind::start_position:
      return "`oldest`, `newest` or RFC 3339";
    case kind::program:
      return "list: program, args...";
    case kind::section:
    case kind::sink_list:
      return {};
  }
  return {};
}

std::string default_text(const key_spec& key, const section_spec& spec, const void* defaults) {
  for (const auto& g : spec.groups) {
    if (std::find(g.keys.begin(), g.keys.end(), key.name) == g.keys.end()) continue;
    std::string names;
    for (auto k : g.keys) names += fmt::format("{}`{}`", names.empty() ? "" : ", ", k);
    return "required: one of " + names;
  }
  if (key.need == presence::required) return "required";
  if (key.type == kind::secret || !key.bound.get) return "none";
  const value v = key.bound.get(defaults);
  std::string text;
  if (key.type == kind::url_list || key.type == kind::program) {
    text = std::get<std::vector<std::string>>(v).empty() ? "none" : "";
  } else {
    const std::string shown = value_text(key, v);
    text = shown.empty() ? "`\"\"`" : "`" + shown + "`";
  }
  if (!key.default_note.empty()) text += fmt::format(" ({})", key.default_note);
  return text;
}

void add_rows(std::string& out, const section_spec& spec, const std::string& prefix, const void* defaults,
              std::string_view qualifier) {
  for (const auto& key : spec.keys) {
    if (key.type == kind::section) {
      add_rows(out, *key.sub, prefix + std::string(key.name) + ".", key.locate(const_cast<void*>(defaults)),
               "");
      continue;
    }
    if (key.type == kind::sink_list) {
      const std::string sink_prefix = prefix + std::string(key.name) + "[].";
      const sink_config common_defaults;
      add_rows(out, *key.sub, sink_prefix, &common_defaults, "");
      const key_spec* type_key = find_key(*key.sub, "type");
      for (std::size_t i = 0; i < key.sinks->size(); ++i) {
        sink_config d;
        type_key->bound.set(&d, static_cast<long long>(i));
        const auto& variant = (*key.sinks)[i];
        add_rows(out, *variant.spec, sink_prefix, variant.settings(d),
                 fmt::format(" ({}: {})", type_key->name, type_key->choices[i].name));
      }
      continue;
    }
    std::string name = fmt::format("`{}{}`", prefix, key.name);
    if (key.type == kind::secret) name += fmt::format(" / `{}_file`", key.name);
    out += fmt::format("| {}{} | {} | {} | {} |\n", name, qualifier, cell(type_text(key)),
                       cell(default_text(key, spec, defaults)), cell(std::string(key.help)));
  }
}

}  // namespace

std::string reference_table_markdown() {
  std::string out = "| key | type | default | meaning |\n|---|---|---|---|\n";
  const forwarder_config defaults;
  add_rows(out, forwarder_schema(), "", &defaults, "");
  return out;
}

std::optional<std::string> splice_reference_table(std::string_view document, std::string_view table) {
  const auto begin = document.find(reference_begin_marker);
  if (begin == std::string_view::npos) return std::nullopt;
  const auto body = begin + reference_begin_marker.size();
  const auto end = document.find(reference_end_marker, body);
  if (end == std::string_view::npos) return std::nullopt;
  std::string out(document.substr(0, body));
  out += "\n";
  out += table;
  out += document.substr(end);
  return out;
}

}  // namespace sf::config
