// check-config's effective configuration: every key of the table with its value, secrets redacted.
#include "config/effective_config.hpp"

#include <yaml-cpp/yaml.h>

#include "config/keys.hpp"
#include "config/value_text.hpp"

namespace sf::config {
namespace schema {
namespace {

void render_section(YAML::Emitter& out, const section_spec& spec, const void* section);

void render_key(YAML::Emitter& out, const key_spec& key, const void* section) {
  if (key.type == kind::section) {
    out << YAML::Key << std::string(key.name) << YAML::Value;
    // locate() only computes an address inside the struct; nothing is written through it.
    render_section(out, *key.sub, key.locate(const_cast<void*>(section)));
    return;
  }
  if (key.type == kind::sink_list) {
    out << YAML::Key << std::string(key.name) << YAML::Value << YAML::BeginSeq;
    for (const auto& sink :
         *static_cast<const std::vector<sink_config>*>(key.locate(const_cast<void*>(section)))) {
      out << YAML::BeginMap;
      for (const auto& common : key.sub->keys) render_key(out, common, &sink);
      const auto& variant = (*key.sinks)[sink.settings.index()];
      for (const auto& k : variant.spec->keys)
        render_key(out, k, variant.settings(const_cast<sink_config&>(sink)));
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    return;
  }
  if (!key.bound.get) return;  // an input only: its effect shows under another key
  if (key.shown && !key.shown(section)) return;
  const value v = key.bound.get(section);
  // A secret shows only that it is set: its value never reaches the output.
  if (key.type == kind::secret && std::get<secret>(v).empty()) return;
  out << YAML::Key << std::string(key.name) << YAML::Value;
  switch (key.type) {
    case kind::integer:
      out << std::get<long long>(v);
      break;
    case kind::boolean:
      out << std::get<bool>(v);
      break;
    case kind::url_list:
      out << YAML::BeginSeq;
      for (const auto& u : std::get<std::vector<std::string>>(v)) out << u;
      out << YAML::EndSeq;
      break;
    case kind::program:
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& a : std::get<std::vector<std::string>>(v)) out << a;
      out << YAML::EndSeq;
      break;
    default:
      out << value_text(key, v);
  }
}

void render_section(YAML::Emitter& out, const section_spec& spec, const void* section) {
  out << YAML::BeginMap;
  for (const auto& key : spec.keys) render_key(out, key, section);
  out << YAML::EndMap;
}

}  // namespace
}  // namespace schema

std::string render_effective_config(const forwarder_config& config) {
  YAML::Emitter out;
  schema::render_section(out, schema::forwarder_schema(), &config);
  return std::string(out.c_str()) + "\n";
}

}  // namespace sf::config
