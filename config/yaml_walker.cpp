// Walking the YAML tree: maps with their lines, unknown keys with a suggestion, ${VAR} expansion, errors.
#include "config/yaml_walker.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sf::config {

std::string type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a single value";
    default:
      return "nothing";
  }
}

int line_of(const YAML::Node& n, int fallback) {
  const int l = n.Mark().line;
  return l >= 0 ? l + 1 : fallback;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

const entry* map_view::find(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

const entry* map_view::given(std::string_view key) const {
  const entry* e = find(key);
  return e && e->value.IsDefined() && !e->value.IsNull() ? e : nullptr;
}

std::string map_view::child(std::string_view key) const {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

int map_view::line_of_key(std::string_view key) const {
  const entry* e = find(key);
  return e ? e->value_line : line;
}

void yaml_walker::error(int line, std::string path, std::string message) {
  errors_.push_back({file_, line, std::move(path), std::move(message)});
}

std::vector<load_error> yaml_walker::take_errors() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const load_error& a, const load_error& b) { return a.line < b.line; });
  return std::move(errors_);
}

std::optional<map_view> yaml_walker::as_map(const YAML::Node& node, const std::string& path, int line) {
  map_view view{path, line, {}};
  if (!node.IsDefined() || node.IsNull()) return view;
  if (!node.IsMap()) {
    error(line_of(node, line), path, fmt::format("expected a map of keys, got {}", type_name(node)));
    return std::nullopt;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const int key_line = line_of(it->first, line);
    if (!it->first.IsScalar()) {
      error(key_line, path, "map keys must be plain names");
      continue;
    }
    entry e{it->first.Scalar(), it->second, key_line, line_of(it->second, key_line)};
    if (const entry* first = view.find(e.key)) {
      error(key_line, view.child(e.key),
            fmt::format("duplicate key (first given on line {})", first->key_line));
      continue;
    }
    view.entries.push_back(std::move(e));
  }
  return view;
}

void yaml_walker::reject_unknown(map_view& view, const std::vector<std::string_view>& allowed,
                                 std::string_view what) {
  // Kept entries are copied into a new vector, never assigned over: assigning a YAML::Node rebinds the
  // node it refers to (yaml-cpp's operator= writes through), so erasing in place (which move-assigns the
  // tail forward) would give the keys after an unknown one the values of the keys before them.
  std::vector<entry> kept;
  kept.reserve(view.entries.size());
  for (const entry& e : view.entries) {
    if (std::find(allowed.begin(), allowed.end(), e.key) != allowed.end()) {
      kept.push_back(e);
      continue;
    }
    std::string_view best;
    std::size_t best_d = 3;
    for (auto a : allowed) {
      const auto d = edit_distance(e.key, a);
      if (d < best_d) best_d = d, best = a;
    }
    std::string msg = fmt::format("unknown key in {}", what);
    if (!best.empty()) msg += fmt::format(" (did you mean '{}'?)", best);
    error(e.key_line, view.child(e.key), std::move(msg));
  }
  view.entries.swap(kept);
}

std::optional<expanded> yaml_walker::expand(std::string_view in, int line, const std::string& path) {
  expanded out;
  bool ok = true;
  std::size_t i = 0;
  while (i < in.size()) {
    const auto dollar = in.find('$', i);
    if (dollar == std::string_view::npos) {
      out.text.append(in.substr(i));
      break;
    }
    out.text.append(in.substr(i, dollar - i));
    if (in.substr(dollar).starts_with("$${")) {
      out.text.append("${");
      i = dollar + 3;
      continue;
    }
    if (!in.substr(dollar).starts_with("${")) {
      out.text.push_back('$');
      i = dollar + 1;
      continue;
    }
    const auto close = in.find('}', dollar + 2);
    if (close == std::string_view::npos) {
      error(line, path, "unterminated ${ (write $${ for a literal ${)");
      return std::nullopt;
    }
    std::string_view body = in.substr(dollar + 2, close - dollar - 2);
    std::optional<std::string_view> fallback;
    if (const auto sep = body.find(":-"); sep != std::string_view::npos) {
      fallback = body.substr(sep + 2);
      body = body.substr(0, sep);
    }
    const bool valid_name =
        !body.empty() && !(body[0] >= '0' && body[0] <= '9') &&
        std::all_of(body.begin(), body.end(), [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        });
    if (!valid_name) {
      error(line, path, fmt::format("'${{{}}}' is not a valid environment variable reference", body));
      ok = false;
    } else {
      const auto value = env_ ? env_(std::string(body)) : std::nullopt;
      // As in the shell, `:-` also replaces a variable that is set but empty.
      if (value && (!value->empty() || !fallback)) {
        out.text.append(*value);
        out.from_env = true;
      } else if (fallback) {
        out.text.append(*fallback);
      } else {
        error(line, path,
              fmt::format("environment variable {} is not set (use ${{{}:-default}} for a default)", body,
                          body));
        ok = false;
      }
    }
    i = close + 1;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<expanded> yaml_walker::scalar(const map_view& m, std::string_view key, bool required,
                                            std::string_view what) {
  const entry* e = m.given(key);
  if (!e) {
    if (required) error(m.line, m.child(key), "required key is missing");
    return std::nullopt;
  }
  if (!e->value.IsScalar()) {
    error(e->value_line, m.child(key), fmt::format("expected {}, got {}", what, type_name(e->value)));
    return std::nullopt;
  }
  return expand(e->value.Scalar(), e->value_line, m.child(key));
}

bool yaml_walker::get_string(const map_view& m, std::string_view key, std::string& out, bool required) {
  auto v = scalar(m, key, required);
  if (!v) return false;
  if (required && v->text.empty()) {
    error(m.line_of_key(key), m.child(key), "must not be empty");
    return false;
  }
  out = std::move(v->text);
  return true;
}

}  // namespace sf::config
