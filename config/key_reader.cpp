// Reading a section of the file by its entry in the key table: each key by its kind, groups, rules.
#include "config/key_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "common/time/rfc3339.hpp"
#include "common/units/units.hpp"
#include "config/validators.hpp"

namespace sf::config::schema {
namespace {

constexpr std::size_t max_secret_file_bytes = 64 * 1024;

// "give either a or b, not both", "give only one of a, b and c".
std::string only_one(const std::vector<std::string_view>& names) {
  if (names.size() == 2) return fmt::format("give either {} or {}, not both", names[0], names[1]);
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i)
    list += fmt::format("{}{}", i == 0 ? "" : i + 1 == names.size() ? " and " : ", ", names[i]);
  return "give only one of " + list;
}

const one_of* group_of(const section_spec& spec, std::string_view name) {
  for (const auto& g : spec.groups)
    if (std::find(g.keys.begin(), g.keys.end(), name) != g.keys.end()) return &g;
  return nullptr;
}

void add_unique(std::vector<std::string>& names, const std::vector<std::string>& more) {
  for (auto n : more)
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
}

}  // namespace

std::vector<std::string> accepted_names(const section_spec& spec) {
  std::vector<std::string> names;
  for (const auto& k : spec.keys) {
    names.emplace_back(k.name);
    if (k.type == kind::secret) names.push_back(std::string(k.name) + "_file");
  }
  return names;
}

std::string alternatives(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += fmt::format("{}{}", i == 0 ? "" : i + 1 == names.size() ? " or " : ", ", names[i]);
  return out;
}

void key_reader::read_section(const section_spec& spec, map_view& m, void* section,
                              const std::vector<std::string>& also_accepted) {
  std::vector<std::string> names = also_accepted;
  add_unique(names, accepted_names(spec));
  walker_.reject_unknown(m, {names.begin(), names.end()}, spec.what);
  read_keys(spec, m, section);
}

void key_reader::read_keys(const section_spec& spec, const map_view& m, void* section) {
  rule_context context{walker_, m, section, lines_};
  auto run_rules = [&](std::string_view after) {
    for (const auto& r : spec.rules)
      if (r.after == after) r.run(context);
  };
  for (const auto& key : spec.keys) {
    if (const one_of* g = group_of(spec, key.name)) {
      if (g->keys.front() == key.name) read_group(*g, spec, m, section);
    } else {
      read_key(key, m, section);
    }
    run_rules(key.name);
  }
  run_rules("");
}

bool key_reader::read_group(const one_of& group, const section_spec& spec, const map_view& m, void* section) {
  std::vector<const entry*> given;
  for (auto k : group.keys)
    if (const entry* e = m.given(k)) given.push_back(e);
  if (given.empty()) {
    walker_.error(m.line, m.child(group.keys.front()),
                  fmt::format("required key is missing (give {})", alternatives(group.keys)));
    return false;
  }
  if (given.size() > 1) {
    std::stable_sort(given.begin(), given.end(), [](auto* a, auto* b) { return a->key_line < b->key_line; });
    walker_.error(given.back()->key_line, m.child(given.back()->key), only_one(group.keys));
    return false;
  }
  return read_key(*find_key(spec, given.front()->key), m, section);
}

bool key_reader::read_key(const key_spec& key, const map_view& m, void* section) {
  const bool given = m.given(key.name) != nullptr;
  const std::size_t before = walker_.error_count();
  const bool stored = read_value(key, m, section);
  if (given) lines_.record(m.child(key.name), walker_.error_count() == before ? m.line_of_key(key.name) : -1);
  return stored;
}

bool key_reader::store(const key_spec& key, const map_view& m, void* section, value&& v) {
  std::string problem = key.check ? key.check(section, v) : std::string();
  // Stored even when the check fails: rules on later keys judge what the file said (an index name that is
  // itself wrong is still a fixed index to `retention`).
  key.bound.set(section, std::move(v));
  if (problem.empty()) return true;
  walker_.error(m.line_of_key(key.name), m.child(key.name), std::move(problem));
  return false;
}

bool key_reader::read_value(const key_spec& key, const map_view& m, void* section) {
  const std::string_view name = key.name;
  bool stored = false;
  switch (key.type) {
    case kind::string: {
      std::string s;
      const bool ok = key.need == presence::non_empty
                          ? m.given(name) && walker_.get_string(m, name, s, true)
                          : walker_.get_string(m, name, s, key.need == presence::required);
      if (ok) stored = store(key, m, section, std::move(s));
      return stored;
    }
    case kind::url: {
      std::string raw, url;
      if (walker_.get_string(m, name, raw) &&
          validate_url(raw, key.plain_http_by_rule, m.line_of_key(name), m.child(name), url))
        stored = store(key, m, section, std::move(url));
      return stored;
    }
    case kind::url_list:
      return read_url_list(key, m, section);
    case kind::cloud_id: {
      auto v = walker_.scalar(m, name, true);
      if (!v) return false;
      if (auto u = cloud_id_to_url(v->text)) {
        stored = store(key, m, section, std::move(*u));
      } else {
        walker_.error(m.line_of_key(name), m.child(name),
                      "is not a valid cloud id: expected label:base64(host[:port]$es_uuid$kibana_uuid)");
      }
      return stored;
    }
    case kind::integer: {
      auto v = walker_.scalar(m, name, false, "an integer");
      if (!v) return false;
      long long n = 0;
      const auto& t = v->text;
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (t.empty() || ec == std::errc::invalid_argument || end != t.data() + t.size()) {
        walker_.error(m.line_of_key(name), m.child(name), fmt::format("expected an integer, got '{}'", t));
      } else if (ec == std::errc::result_out_of_range || n < key.lo || n > key.hi) {
        walker_.error(m.line_of_key(name), m.child(name),
                      fmt::format("must be between {} and {}, got {}", key.lo, key.hi, t));
      } else {
        stored = store(key, m, section, n);
      }
      return stored;
    }
    case kind::boolean: {
      auto v = walker_.scalar(m, name, false, "true or false");
      if (!v) return false;
      std::string t = v->text;
      std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
      if (t == "true" || t == "false") {
        stored = store(key, m, section, t == "true");
      } else {
        walker_.error(m.line_of_key(name), m.child(name),
                      fmt::format("expected true or false, got '{}'", v->text));
      }
      return stored;
    }
    case kind::duration: {
      auto v = walker_.scalar(m, name, false, "a duration");
      if (!v) return false;
      const auto& t = v->text;
      const auto d = units::parse_duration(t);
      const duration lo(key.lo), hi(key.hi);
      if (!d) {
        const bool bare =
            !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (bare) {
          walker_.error(m.line_of_key(name), m.child(name),
                        fmt::format("'{}' has no unit: add one of ms, s, m, h, d (e.g. {}s)", t, t));
        } else {
          walker_.error(
              m.line_of_key(name), m.child(name),
              fmt::format(
                  "'{}' is not a duration: write a number and a unit ms, s, m, h or d (e.g. 1500ms, 30s, 2h)",
                  t));
        }
      } else if (*d < lo || *d > hi) {
        walker_.error(
            m.line_of_key(name), m.child(name),
            fmt::format("must be between {} and {}, got {}", units::format_duration(lo), units::format_duration(hi), t));
      } else {
        stored = store(key, m, section, *d);
      }
      return stored;
    }
    case kind::size: {
      auto v = walker_.scalar(m, name, false, "a size");
      if (!v) return false;
      const auto s = units::parse_size(v->text);
      const auto lo = static_cast<std::uint64_t>(key.lo), hi = static_cast<std::uint64_t>(key.hi);
      if (!s) {
        walker_.error(
            m.line_of_key(name), m.child(name),
            fmt::format(
                "'{}' is not a size: write bytes, or a number and a unit B, KiB, MiB or GiB (e.g. 10MiB)",
                v->text));
      } else if (*s < lo || *s > hi) {
        walker_.error(
            m.line_of_key(name), m.child(name),
            fmt::format("must be between {} and {}, got {}", units::format_size(lo), units::format_size(hi), v->text));
      } else {
        stored = store(key, m, section, static_cast<long long>(*s));
      }
      return stored;
    }
    case kind::choice:
      return read_choice(key, m, section);
    case kind::secret:
      return read_secret(key, m, section);
    case kind::start_position: {
      auto v = walker_.scalar(m, name, false);
      if (!v) return false;
      if (v->text == "oldest") {
        stored = store(key, m, section, start_position{start_position::kind::oldest, {}});
      } else if (v->text == "newest") {
        stored = store(key, m, section, start_position{start_position::kind::newest, {}});
      } else if (time::parse_rfc3339_ns(v->text)) {
        stored = store(key, m, section, start_position{start_position::kind::at_time, v->text});
      } else {
        walker_.error(
            m.line_of_key(name), m.child(name),
            fmt::format("must be oldest, newest or an RFC 3339 time (e.g. 2024-05-01T00:00:00Z), got '{}'",
                        v->text));
      }
      return stored;
    }
    case kind::program:
      return read_program(key, m, section);
    case kind::section:
      return read_section_key(key, m, section);
    case kind::sink_list:
      return read_sinks(key, m, section);
  }
  return false;
}

bool key_reader::read_choice(const key_spec& key, const map_view& m, void* section) {
  std::string text;
  if (key.need == presence::required) {
    if (!walker_.get_string(m, key.name, text, true)) return false;
  } else {
    auto v = walker_.scalar(m, key.name, false);
    if (!v) return false;
    text = std::move(v->text);
  }
  std::string names;
  for (const auto& c : key.choices) {
    if (text == c.name) {
      return store(key, m, section, c.value);
    }
    names += names.empty() ? "" : ", ";
    names += c.name;
  }
  walker_.error(m.line_of_key(key.name), m.child(key.name),
                fmt::format("must be one of {}, got '{}'", names, text));
  return false;
}

// Inline (`key`) or as a file (`key_file`), never both. The value is never put in a message.
bool key_reader::read_secret(const key_spec& key, const map_view& m, void* section) {
  const bool required = key.need == presence::required;
  const std::string file_key = std::string(key.name) + "_file";
  const entry* inline_e = m.given(key.name);
  const entry* file_e = m.given(file_key);
  secret out;
  if (inline_e && file_e) {
    const entry* later = inline_e->key_line > file_e->key_line ? inline_e : file_e;
    walker_.error(later->key_line, m.child(later->key), only_one({key.name, file_key}));
    return false;
  }
  if (file_e) {
    std::string path;
    if (!walker_.get_string(m, file_key, path, true)) return false;
    if (!read_secret_file(path, file_e->value_line, m.child(file_key), out)) return false;
  } else if (inline_e) {
    auto v = walker_.scalar(m, key.name, false);
    if (!v) return false;
    if (v->text.empty()) {
      if (required) walker_.error(inline_e->value_line, m.child(key.name), "must not be empty");
      return false;
    }
    out = secret{std::move(v->text), v->from_env ? "env" : "inline"};
  } else {
    if (required)
      walker_.error(m.line, m.child(key.name),
                    fmt::format("required key is missing (give {})", alternatives({key.name, file_key})));
    return false;
  }
  return store(key, m, section, std::move(out));
}

bool key_reader::read_secret_file(const std::string& path, int line, const std::string& key_path,
                                  secret& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    walker_.error(line, key_path, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    return false;
  }
  std::string content;
  char buf[4096];
  bool too_big = false, failed = false;
  while (true) {
    const auto n = std::fread(buf, 1, sizeof buf, f);
    content.append(buf, n);
    if (content.size() > max_secret_file_bytes) {
      too_big = true;
      break;
    }
    if (n < sizeof buf) {
      failed = std::ferror(f) != 0;
      break;
    }
  }
  const int saved_errno = errno;
  std::fclose(f);
  if (failed) {
    walker_.error(line, key_path, fmt::format("cannot read '{}': {}", path, std::strerror(saved_errno)));
    return false;
  }
  if (too_big) {
    walker_.error(line, key_path,
                  fmt::format("'{}' is larger than 64KiB; a secret file holds one value", path));
    return false;
  }
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
  if (content.empty()) {
    walker_.error(line, key_path, fmt::format("'{}' is empty", path));
    return false;
  }
  out = secret{std::move(content), "file:" + path};
  return true;
}

bool key_reader::validate_url(const std::string& raw, bool remote_http_ok, int line_no,
                              const std::string& path, std::string& out) {
  auto checked = check_url(raw, remote_http_ok);
  if (!checked.problem.empty()) {
    walker_.error(line_no, path, fmt::format("'{}' {}", raw, checked.problem));
    return false;
  }
  out = std::move(checked.normalized);
  return true;
}

std::vector<key_reader::list_item> key_reader::string_items(const entry& e, const std::string& path,
                                                            std::string_view what, bool& all_ok) {
  std::vector<list_item> items;
  all_ok = true;
  std::size_t i = 0;
  for (const auto& item : e.value) {
    std::string item_path = fmt::format("{}[{}]", path, i++);
    const int l = line_of(item, e.value_line);
    if (!item.IsScalar()) {
      walker_.error(l, item_path, fmt::format("expected {}, got {}", what, type_name(item)));
      all_ok = false;
      continue;
    }
    auto v = walker_.expand(item.Scalar(), l, item_path);
    if (!v) {
      all_ok = false;
      continue;
    }
    items.push_back({std::move(v->text), l, std::move(item_path)});
  }
  return items;
}

bool key_reader::read_url_list(const key_spec& key, const map_view& m, void* section) {
  const entry* e = m.given(key.name);
  if (!e) return false;
  const std::string path = m.child(key.name);
  if (!e->value.IsSequence()) {
    walker_.error(e->value_line, path, fmt::format("expected a list of URLs, got {}", type_name(e->value)));
    return false;
  }
  if (e->value.size() == 0) {
    walker_.error(e->value_line, path, "must list at least one URL");
    return false;
  }
  bool all_ok = true;
  std::vector<std::string> urls;
  for (auto& item : string_items(*e, path, "a URL", all_ok)) {
    std::string u;
    if (validate_url(item.text, key.plain_http_by_rule, item.line, item.path, u))
      urls.push_back(std::move(u));
  }
  return store(key, m, section, std::move(urls));
}

// `[program, args...]`: strings (with ${VAR}), the program an absolute path or a name on PATH, checked now so
// that a typo shows at check-config and not at the first use a week later.
bool key_reader::read_program(const key_spec& key, const map_view& m, void* section) {
  const entry* e = m.given(key.name);
  if (!e) return false;
  const std::string path = m.child(key.name);
  if (!e->value.IsSequence()) {
    walker_.error(e->value_line, path,
                  fmt::format("expected a list [program, arguments...], got {}", type_name(e->value)));
    return false;
  }
  bool all_ok = true;
  std::vector<std::string> argv;
  for (auto& item : string_items(*e, path, "a string", all_ok)) argv.push_back(std::move(item.text));
  if (!all_ok) return false;
  if (argv.empty()) {
    walker_.error(e->value_line, path, fmt::format("must name a program (or leave {} out)", key.name));
    return false;
  }
  const auto search_path = walker_.env() ? walker_.env()("PATH") : std::nullopt;
  if (auto problem = program_problem(argv[0], search_path); !problem.empty()) {
    walker_.error(line_of(e->value[0], e->value_line), path + "[0]", problem);
    return false;
  }
  return store(key, m, section, std::move(argv));
}

bool key_reader::read_section_key(const key_spec& key, const map_view& m, void* section) {
  const entry* e = m.find(key.name);
  if (!e) {
    if (key.need == presence::required) walker_.error(m.line, m.child(key.name), "required key is missing");
    return false;
  }
  auto sub = walker_.as_map(e->value, m.child(key.name), e->key_line);
  if (!sub) return false;
  read_section(*key.sub, *sub, key.locate(section));
  return true;
}

// Each sink is a map whose `type` picks the keys it may hold; without a valid type the other keys cannot be
// judged, and only keys no sink type knows are reported.
bool key_reader::read_sinks(const key_spec& key, const map_view& m, void* section) {
  const std::string list_path = m.child(key.name);
  const entry* e = m.given(key.name);
  if (!e) {
    walker_.error(m.find(key.name) ? m.find(key.name)->key_line : m.line, list_path,
                  "at least one sink is required");
    return false;
  }
  if (!e->value.IsSequence()) {
    walker_.error(e->value_line, list_path,
                  fmt::format("expected a list of sinks, got {}", type_name(e->value)));
    return false;
  }
  if (e->value.size() == 0) {
    walker_.error(e->value_line, list_path, "at least one sink is required");
    return false;
  }
  const section_spec& common = *key.sub;
  const key_spec& name_key = *find_key(common, "name");
  const key_spec& type_key = *find_key(common, "type");
  std::vector<std::string> any_sink = accepted_names(common);
  for (const auto& variant : *key.sinks) add_unique(any_sink, accepted_names(*variant.spec));

  auto& sinks = *static_cast<std::vector<sink_config>*>(key.locate(section));
  std::map<std::string, int> name_lines;
  std::size_t index = 0;
  for (const auto& node : e->value) {
    const std::string path = fmt::format("{}[{}]", list_path, index++);
    auto sm = walker_.as_map(node, path, line_of(node, e->value_line));
    if (!sm) continue;
    sink_config sink;
    if (read_key(name_key, *sm, &sink)) {
      if (auto [it, fresh] = name_lines.emplace(sink.name, sm->line_of_key(name_key.name)); !fresh)
        walker_.error(sm->line_of_key(name_key.name), sm->child(name_key.name),
                      fmt::format("duplicate sink name '{}' (first used on line {})", sink.name, it->second));
    }
    if (!read_key(type_key, *sm, &sink)) {
      walker_.reject_unknown(*sm, {any_sink.begin(), any_sink.end()}, "a sink");
      continue;
    }
    const sink_variant& variant = (*key.sinks)[sink.settings.index()];
    read_section(*variant.spec, *sm, variant.settings(sink), accepted_names(common));
    sinks.push_back(std::move(sink));
  }
  return true;
}

}  // namespace sf::config::schema
