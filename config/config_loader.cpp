// The configuration loader: strict YAML schema walk, ${VAR} expansion, secrets, and all errors at once.
#include "config/config_loader.hpp"

#include "config/index_pattern.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "common/time/rfc3339.hpp"
#include "common/units/units.hpp"

namespace sf::config {

using time::parse_rfc3339_ns;
using units::format_duration;
using units::format_size;
using units::parse_duration;
using units::parse_size;
namespace {

constexpr std::size_t max_secret_file_bytes = 64 * 1024;

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

int line_of(const YAML::Node& n, int fallback) {
  const int l = n.Mark().line;
  return l >= 0 ? l + 1 : fallback;
}

// One key of a YAML map, with the lines to blame.
struct entry {
  std::string key;
  YAML::Node value;
  int key_line = 0;
  int value_line = 0;
};

// A YAML map after key checks; `line` is where a missing key is reported (the line of the map's own key).
struct map_view {
  std::string path;
  int line = 1;
  std::vector<entry> entries;

  const entry* find(std::string_view key) const {
    for (const auto& e : entries)
      if (e.key == key) return &e;
    return nullptr;
  }
  // A key given with a null value (`ca_file:`) counts as not given: the default applies.
  const entry* given(std::string_view key) const {
    const entry* e = find(key);
    return e && e->value.IsDefined() && !e->value.IsNull() ? e : nullptr;
  }
  std::string child(std::string_view key) const {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
};

struct expanded {
  std::string text;
  bool from_env = false;
};

struct url_check {
  std::string normalized;
  std::string problem;  // empty when the URL is acceptable
};

url_check check_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {{}, "is not a URL: expected https://host[:port][/path]"};
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https")
    return {{}, fmt::format("has scheme '{}': use https:// (or http:// for a loopback host)", scheme)};
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) return {{}, "must not have a query or a fragment"};
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return {{}, "must not carry credentials (user@host): use the auth keys, which are kept secret"};
  std::string_view host = authority, port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return {{}, "has an unterminated [IPv6] host"};
    host = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return {{}, "has junk after the [IPv6] host"};
      port = after.substr(1);
      has_port = true;
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty() || host == "[]") return {{}, "has no host"};
  if (has_port) {
    int p = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535)
      return {{}, fmt::format("has an invalid port '{}': use 1..65535", port)};
  }
  if (scheme == "http" && !is_loopback_host(host))
    return {{},
            "uses plain http:// for a host that is not loopback (127.0.0.0/8, ::1, localhost); use https://"};
  std::string normalized = scheme + "://" + std::string(authority) + std::string(path);
  while (normalized.size() > scheme.size() + 3 + authority.size() && normalized.back() == '/')
    normalized.pop_back();
  return {normalized, {}};
}

// http.listen: "" (off) or host:port, the host an IP literal ([..] for IPv6) or localhost, so that start-up
// never depends on name resolution and the address a probe uses is exactly the one configured.
std::string listen_address_problem(std::string_view listen) {
  if (listen.empty()) return {};
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos) return fmt::format("'{}' is not host:port (e.g. 127.0.0.1:8464)", listen);
  std::string host(listen.substr(0, colon));
  const std::string_view port = listen.substr(colon + 1);
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n > 65535)
    return fmt::format("'{}' has no valid port (0-65535)", listen);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6) == 1) return {};
  } else if (host == "localhost") {
    return {};
  } else {
    in_addr a4{};
    if (inet_pton(AF_INET, host.c_str(), &a4) == 1) return {};
  }
  return fmt::format("'{}' needs an IP address or localhost as host (IPv6 in brackets)", listen);
}

// Elasticsearch index and data stream names: lowercase, none of the characters ES forbids.
std::string index_name_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name == "." || name == "..") return "must not be '.' or '..'";
  if (name.size() > 255) return "must be at most 255 bytes";
  if (name.front() == '-' || name.front() == '_' || name.front() == '+')
    return "must not start with -, _ or +";
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return "must be lowercase";
    if (std::strchr("\\/*?\"<>| ,#:", c) != nullptr) return fmt::format("must not contain '{}'", c);
  }
  return {};
}

// An `index` value: a fixed name, or one with %{+...} date fields whose every resolution must be a valid name.
std::string index_problem(std::string_view text) {
  if (text.find("%{") == std::string_view::npos) return index_name_problem(text);
  std::string problem;
  auto pattern = index_pattern::parse(text, problem);
  if (!pattern) return problem;
  // Date fields resolve to digits only, so one sample stands for every name the pattern can give.
  const auto sample = pattern->resolve("2026-12-31T23:59:59Z");
  if (!sample) return "cannot be resolved";
  if (auto p = index_name_problem(*sample); !p.empty()) return p + " (once resolved, e.g. '" + *sample + "')";
  return {};
}

class loader {
 public:
  loader(std::string file, const env_lookup& env) : file_(std::move(file)), env_(env) {}

  void error(int line, std::string path, std::string message) {
    errors_.push_back({file_, line, std::move(path), std::move(message)});
  }
  std::vector<load_error> take_errors() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const load_error& a, const load_error& b) { return a.line < b.line; });
    return std::move(errors_);
  }

  // Checks that `node` is a map (null counts as empty) and records its keys; duplicates are errors.
  std::optional<map_view> as_map(const YAML::Node& node, const std::string& path, int line) {
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

  // Reports and drops every key not in `allowed`, suggesting the nearest allowed key for a typo.
  void reject_unknown(map_view& view, const std::vector<std::string_view>& allowed, std::string_view what) {
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

  // Expands ${VAR} and ${VAR:-default}; `$${` is a literal `${`. Unset variables without default are errors.
  std::optional<expanded> expand(std::string_view in, int line, const std::string& path) {
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

  // The expanded scalar at `key`, nullopt when absent (reported if `required`) or invalid (reported).
  std::optional<expanded> scalar(const map_view& m, std::string_view key, bool required,
                                 std::string_view what = "a string") {
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

  int line(const map_view& m, std::string_view key) const {
    const entry* e = m.find(key);
    return e ? e->value_line : m.line;
  }

  bool get_string(const map_view& m, std::string_view key, std::string& out, bool required = false) {
    auto v = scalar(m, key, required);
    if (!v) return false;
    if (required && v->text.empty()) {
      error(line(m, key), m.child(key), "must not be empty");
      return false;
    }
    out = std::move(v->text);
    return true;
  }

  template <class I>
  void get_int(const map_view& m, std::string_view key, I& out, long long lo, long long hi) {
    auto v = scalar(m, key, false, "an integer");
    if (!v) return;
    long long n = 0;
    const auto& t = v->text;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (t.empty() || ec == std::errc::invalid_argument || end != t.data() + t.size()) {
      error(line(m, key), m.child(key), fmt::format("expected an integer, got '{}'", t));
    } else if (ec == std::errc::result_out_of_range || n < lo || n > hi) {
      error(line(m, key), m.child(key), fmt::format("must be between {} and {}, got {}", lo, hi, t));
    } else {
      out = static_cast<I>(n);
    }
  }

  void get_bool(const map_view& m, std::string_view key, bool& out) {
    auto v = scalar(m, key, false, "true or false");
    if (!v) return;
    std::string t = v->text;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t == "true") {
      out = true;
    } else if (t == "false") {
      out = false;
    } else {
      error(line(m, key), m.child(key), fmt::format("expected true or false, got '{}'", v->text));
    }
  }

  void get_duration(const map_view& m, std::string_view key, duration& out, duration lo, duration hi) {
    auto v = scalar(m, key, false, "a duration");
    if (!v) return;
    const auto& t = v->text;
    const auto d = parse_duration(t);
    if (!d) {
      const bool bare =
          !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (bare) {
        error(line(m, key), m.child(key),
              fmt::format("'{}' has no unit: add one of ms, s, m, h, d (e.g. {}s)", t, t));
      } else {
        error(line(m, key), m.child(key),
              fmt::format(
                  "'{}' is not a duration: write a number and a unit ms, s, m, h or d (e.g. 1500ms, 30s, 2h)",
                  t));
      }
    } else if (*d < lo || *d > hi) {
      error(line(m, key), m.child(key),
            fmt::format("must be between {} and {}, got {}", format_duration(lo), format_duration(hi), t));
    } else {
      out = *d;
    }
  }

  void get_size(const map_view& m, std::string_view key, std::size_t& out, std::uint64_t lo,
                std::uint64_t hi) {
    auto v = scalar(m, key, false, "a size");
    if (!v) return;
    const auto s = parse_size(v->text);
    if (!s) {
      error(line(m, key), m.child(key),
            fmt::format(
                "'{}' is not a size: write bytes, or a number and a unit B, KiB, MiB or GiB (e.g. 10MiB)",
                v->text));
    } else if (*s < lo || *s > hi) {
      error(line(m, key), m.child(key),
            fmt::format("must be between {} and {}, got {}", format_size(lo), format_size(hi), v->text));
    } else {
      out = static_cast<std::size_t>(*s);
    }
  }

  template <class E>
  void get_enum(const map_view& m, std::string_view key, E& out,
                std::initializer_list<std::pair<std::string_view, E>> choices) {
    auto v = scalar(m, key, false);
    if (!v) return;
    std::string names;
    for (const auto& [name, value] : choices) {
      if (v->text == name) {
        out = value;
        return;
      }
      names += names.empty() ? "" : ", ";
      names += name;
    }
    error(line(m, key), m.child(key), fmt::format("must be one of {}, got '{}'", names, v->text));
  }

  // A secret given inline (`key`) or as a file (`key_file`), never both. The value is never put in a message.
  void get_secret(const map_view& m, std::string_view key, secret& out, bool required) {
    const std::string file_key = std::string(key) + "_file";
    const entry* inline_e = m.given(key);
    const entry* file_e = m.given(file_key);
    if (inline_e && file_e) {
      const entry* later = inline_e->key_line > file_e->key_line ? inline_e : file_e;
      error(later->key_line, m.child(later->key),
            fmt::format("give either {} or {}, not both", key, file_key));
      return;
    }
    if (file_e) {
      std::string path;
      if (!get_string(m, file_key, path, true)) return;
      read_secret_file(path, file_e->value_line, m.child(file_key), out);
      return;
    }
    if (inline_e) {
      auto v = scalar(m, key, false);
      if (!v) return;
      if (v->text.empty()) {
        if (required) error(inline_e->value_line, m.child(key), "must not be empty");
        return;
      }
      out = secret{std::move(v->text), v->from_env ? "env" : "inline"};
      return;
    }
    if (required)
      error(m.line, m.child(key), fmt::format("required key is missing (give {} or {})", key, file_key));
  }

  void read_secret_file(const std::string& path, int line, const std::string& key_path, secret& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
      error(line, key_path, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
      return;
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
      error(line, key_path, fmt::format("cannot read '{}': {}", path, std::strerror(saved_errno)));
      return;
    }
    if (too_big) {
      error(line, key_path, fmt::format("'{}' is larger than 64KiB; a secret file holds one value", path));
      return;
    }
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
    if (content.empty()) {
      error(line, key_path, fmt::format("'{}' is empty", path));
      return;
    }
    out = secret{std::move(content), "file:" + path};
  }

  // A URL in `key`; returns false (and reports) when absent-but-required or invalid.
  bool get_url(const map_view& m, std::string_view key, std::string& out) {
    std::string raw;
    if (!get_string(m, key, raw)) return false;
    return validate_url(raw, line(m, key), m.child(key), out);
  }

  bool validate_url(const std::string& raw, int line_no, const std::string& path, std::string& out) {
    auto checked = check_url(raw);
    if (!checked.problem.empty()) {
      error(line_no, path, fmt::format("'{}' {}", raw, checked.problem));
      return false;
    }
    out = std::move(checked.normalized);
    return true;
  }

  forwarder_config load(const YAML::Node& root) {
    forwarder_config cfg;
    auto top = as_map(root, "", 1);
    if (!top) return cfg;
    reject_unknown(*top,
                   {"source", "state_dir", "shutdown_grace", "retry", "buffer", "sinks", "log", "key_rotation", "http"},
                   "the top level");

    if (const entry* e = top->find("source")) {
      if (auto m = as_map(e->value, "source", e->key_line)) load_source(*m, cfg.source);
    } else {
      error(1, "source", "required key is missing");
    }
    if (top->given("state_dir")) get_string(*top, "state_dir", cfg.state_dir, true);
    get_duration(*top, "shutdown_grace", cfg.shutdown_grace, duration(0), std::chrono::hours(1));
    if (const entry* e = top->find("retry")) {
      if (auto m = as_map(e->value, "retry", e->key_line)) load_retry(*m, cfg.retry);
    }
    if (const entry* e = top->find("buffer")) {
      if (auto m = as_map(e->value, "buffer", e->key_line)) load_buffer(*m, cfg.buffer);
    }
    if (const entry* e = top->find("log")) {
      if (auto m = as_map(e->value, "log", e->key_line)) load_log(*m, cfg.log);
    }
    if (const entry* e = top->find("key_rotation")) {
      if (auto m = as_map(e->value, "key_rotation", e->key_line)) load_key_rotation(*m, cfg.key_rotation);
      // Rotation manages the keys of one named service user: without the name it cannot list or create them.
      if (cfg.key_rotation.enabled && cfg.source.service_user.empty() && top->find("source"))
        error(line(*top, "source"), "source.service_user", "required when key_rotation.enabled is true");
    }
    if (const entry* e = top->find("http")) {
      if (auto m = as_map(e->value, "http", e->key_line)) load_http(*m, cfg.http);
    }
    check_ready_window(cfg);
    load_sinks(*top, cfg.sinks);
    return cfg;
  }

  void load_key_rotation(map_view& m, key_rotation_config& k) {
    reject_unknown(m,
                   {"enabled", "max_age", "expire_previous", "on_rotate", "on_rotate_timeout", "restore_from"},
                   "key_rotation");
    get_bool(m, "enabled", k.enabled);
    // Below an hour the service user's audit log fills with key events; above 90 days is no rotation.
    get_duration(m, "max_age", k.max_age, std::chrono::hours(1), std::chrono::hours(90 * 24));
    using em = key_rotation_config::expire_mode;
    get_enum(m, "expire_previous", k.expire_previous, {{"after_verify", em::after_verify}, {"never", em::never}});
    load_on_rotate(m, k.on_rotate);
    // The previous key outlives a failed hook by 48 h at most: a hook must finish well within that.
    get_duration(m, "on_rotate_timeout", k.on_rotate_timeout, std::chrono::seconds(1), std::chrono::hours(1));
    // The directory may not exist yet (nothing rotated so far): only its form is checked here.
    if (get_string(m, "restore_from", k.restore_from) && !k.restore_from.empty() && k.restore_from[0] != '/')
      error(line(m, "restore_from"), m.child("restore_from"), "must be an absolute path");
  }

  // `on_rotate: [program, args...]`: strings (with ${VAR}), the program an absolute path or a name on PATH,
  // checked now so that a typo shows at check-config and not at the first rotation a week later.
  void load_on_rotate(const map_view& m, std::vector<std::string>& out) {
    const entry* e = m.given("on_rotate");
    if (!e) return;
    const std::string path = m.child("on_rotate");
    if (!e->value.IsSequence()) {
      error(e->value_line, path,
            fmt::format("expected a list [program, arguments...], got {}", type_name(e->value)));
      return;
    }
    std::vector<std::string> argv;
    bool ok = true;
    std::size_t i = 0;
    for (const auto& item : e->value) {
      const std::string item_path = fmt::format("{}[{}]", path, i++);
      const int l = line_of(item, e->value_line);
      if (!item.IsScalar()) {
        error(l, item_path, fmt::format("expected a string, got {}", type_name(item)));
        ok = false;
        continue;
      }
      auto v = expand(item.Scalar(), l, item_path);
      if (!v) {
        ok = false;
        continue;
      }
      argv.push_back(std::move(v->text));
    }
    if (!ok) return;
    if (argv.empty()) {
      error(e->value_line, path, "must name a program (or leave on_rotate out)");
      return;
    }
    const std::string problem = program_problem(argv[0]);
    if (!problem.empty()) {
      error(line_of(e->value[0], e->value_line), path + "[0]", problem);
      return;
    }
    out = std::move(argv);
  }

  // Why `program` cannot be run, or "" when it can: an absolute path to an executable file, or a name
  // found on PATH.
  std::string program_problem(const std::string& program) {
    auto runnable = [](const std::string& p) {
      struct stat st {};
      return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
    };
    if (program.empty()) return "the program name is empty";
    if (program[0] == '/') {
      if (runnable(program)) return "";
      struct stat st {};
      if (::stat(program.c_str(), &st) != 0)
        return fmt::format("'{}' cannot be run: {}", program, std::strerror(errno));
      return fmt::format("'{}' is not an executable file", program);
    }
    if (program.find('/') != std::string::npos)
      return fmt::format("'{}' is a relative path: give an absolute path or a program name found on PATH",
                         program);
    const auto path_var = env_ ? env_("PATH") : std::nullopt;
    const std::string search = path_var ? *path_var : "";
    std::size_t start = 0;
    while (start <= search.size()) {
      auto end = search.find(':', start);
      if (end == std::string::npos) end = search.size();
      const std::string dir = search.substr(start, end - start);
      if (!dir.empty() && runnable(dir + "/" + program)) return "";
      start = end + 1;
    }
    return fmt::format("'{}' is not found on PATH ({}): give an absolute path", program,
                       search.empty() ? "PATH is not set" : search);
  }

  void load_source(map_view& m, source_config& s) {
    reject_unknown(m,
                   {"url", "team", "service_user", "key_id", "key_secret", "key_secret_file", "page_size",
                    "poll_interval", "request_timeout", "start_at", "ca_file", "rate_limit_headroom", "on_lost_offset"},
                   "source");
    if (m.given("url")) get_url(m, "url", s.url);
    get_string(m, "team", s.team, true);
    get_string(m, "service_user", s.service_user);
    get_string(m, "key_id", s.key_id, true);
    get_secret(m, "key_secret", s.key_secret, true);
    get_int(m, "page_size", s.page_size, 1, 1000);
    if (m.given("poll_interval")) {
      const std::size_t before = errors_.size();
      get_duration(m, "poll_interval", s.poll_interval, std::chrono::milliseconds(10), std::chrono::hours(24));
      poll_interval_line_ = errors_.size() == before ? line(m, "poll_interval") : -1;
    }
    get_duration(m, "request_timeout", s.request_timeout, std::chrono::milliseconds(10),
                 std::chrono::hours(1));
    if (auto v = scalar(m, "start_at", false)) {
      if (v->text == "oldest") {
        s.start_at = {start_position::kind::oldest, {}};
      } else if (v->text == "newest") {
        s.start_at = {start_position::kind::newest, {}};
      } else if (parse_rfc3339_ns(v->text)) {
        s.start_at = {start_position::kind::at_time, v->text};
      } else {
        error(line(m, "start_at"), m.child("start_at"),
              fmt::format("must be oldest, newest or an RFC 3339 time (e.g. 2024-05-01T00:00:00Z), got '{}'",
                          v->text));
      }
    }
    get_string(m, "ca_file", s.ca_file);
    get_int(m, "rate_limit_headroom", s.rate_limit_headroom, 0, 100000);
    using lp = source_config::lost_offset_policy;
    get_enum(m, "on_lost_offset", s.on_lost_offset, {{"stop", lp::stop}, {"oldest", lp::oldest}, {"newest", lp::newest}});
  }

  void load_retry(map_view& m, retry_config& r) {
    reject_unknown(m, {"initial_backoff", "max_backoff", "config_error_backoff"}, "retry");
    get_duration(m, "initial_backoff", r.initial_backoff, std::chrono::milliseconds(1),
                 std::chrono::hours(1));
    get_duration(m, "max_backoff", r.max_backoff, std::chrono::milliseconds(1), std::chrono::hours(7 * 24));
    get_duration(m, "config_error_backoff", r.config_error_backoff, std::chrono::milliseconds(1),
                 std::chrono::hours(7 * 24));
    if (r.initial_backoff > r.max_backoff) {
      const bool max_given = m.given("max_backoff") != nullptr;
      error(line(m, max_given ? "max_backoff" : "initial_backoff"),
            m.child(max_given ? "max_backoff" : "initial_backoff"),
            fmt::format("initial_backoff ({}) must not exceed max_backoff ({})",
                        format_duration(r.initial_backoff), format_duration(r.max_backoff)));
    }
  }

  void load_buffer(map_view& m, buffer_config& b) {
    reject_unknown(m, {"max_events", "max_bytes"}, "buffer");
    get_int(m, "max_events", b.max_events, 1000, 10'000'000);
    get_size(m, "max_bytes", b.max_bytes, 1ull << 20, 16ull << 30);
  }

  void load_http(map_view& m, http_config& h) {
    reject_unknown(m, {"listen", "ready_window"}, "http");
    if (m.given("listen")) {
      get_string(m, "listen", h.listen);
      if (auto p = listen_address_problem(h.listen); !p.empty()) error(line(m, "listen"), m.child("listen"), p);
    }
    if (m.given("ready_window")) {
      const std::size_t before = errors_.size();
      get_duration(m, "ready_window", h.ready_window, std::chrono::seconds(1), std::chrono::hours(24));
      ready_window_line_ = errors_.size() == before ? line(m, "ready_window") : -1;
    }
  }

  // A caught-up source only polls every poll_interval: a shorter window would report it stalled while idle.
  // Compared on the effective values, defaults included; blamed on whichever of the two was written.
  void check_ready_window(const forwarder_config& cfg) {
    if (ready_window_line_ < 0 || poll_interval_line_ < 0) return;  // already reported as invalid
    if (cfg.http.ready_window > cfg.source.poll_interval) return;
    if (ready_window_line_ > 0) {
      error(ready_window_line_, "http.ready_window",
            fmt::format("must be longer than source.poll_interval ({}{})", format_duration(cfg.source.poll_interval),
                        poll_interval_line_ > 0 ? "" : ", the default"));
    } else {
      error(poll_interval_line_, "source.poll_interval",
            fmt::format("must be shorter than http.ready_window ({}, the default): raise http.ready_window too",
                        format_duration(cfg.http.ready_window)));
    }
  }

  void load_log(map_view& m, log_config& l) {
    reject_unknown(m, {"level", "format"}, "log");
    using lv = log_config::level;
    using fm = log_config::format;
    get_enum(m, "level", l.min_level,
             {{"debug", lv::debug}, {"info", lv::info}, {"warn", lv::warn}, {"error", lv::error}});
    get_enum(m, "format", l.style, {{"json", fm::json}, {"text", fm::text}});
  }

  void load_sinks(const map_view& top, std::vector<sink_config>& sinks) {
    const entry* e = top.given("sinks");
    if (!e) {
      error(top.find("sinks") ? top.find("sinks")->key_line : 1, "sinks", "at least one sink is required");
      return;
    }
    if (!e->value.IsSequence()) {
      error(e->value_line, "sinks", fmt::format("expected a list of sinks, got {}", type_name(e->value)));
      return;
    }
    if (e->value.size() == 0) {
      error(e->value_line, "sinks", "at least one sink is required");
      return;
    }
    std::map<std::string, int> name_lines;
    std::size_t index = 0;
    for (const auto& node : e->value) {
      const std::string path = fmt::format("sinks[{}]", index++);
      auto m = as_map(node, path, line_of(node, e->value_line));
      if (!m) continue;
      sink_config sink;
      if (get_string(*m, "name", sink.name, true)) {
        const bool valid = std::all_of(sink.name.begin(), sink.name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        });
        if (!valid) {
          error(line(*m, "name"), m->child("name"),
                fmt::format("'{}' may hold only a-z, 0-9, _ and - (it names files and metrics)", sink.name));
        } else if (auto [it, fresh] = name_lines.emplace(sink.name, line(*m, "name")); !fresh) {
          error(line(*m, "name"), m->child("name"),
                fmt::format("duplicate sink name '{}' (first used on line {})", sink.name, it->second));
        }
      }
      std::string type;
      if (!get_string(*m, "type", type, true)) {
        // Without a type the other keys cannot be judged; report only keys no sink type knows.
        reject_unknown(*m, all_sink_keys_, "a sink");
        continue;
      }
      if (type == "file") {
        sink.settings = load_file_sink(*m);
      } else if (type == "elasticsearch") {
        sink.settings = load_es_sink(*m);
      } else {
        error(line(*m, "type"), m->child("type"),
              fmt::format("must be one of file, elasticsearch, got '{}'", type));
        reject_unknown(*m, all_sink_keys_, "a sink");
        continue;
      }
      sinks.push_back(std::move(sink));
    }
  }

  file_sink_config load_file_sink(map_view& m) {
    reject_unknown(m, {"name", "type", "path", "compression", "fsync", "rotate_bytes", "rotate_interval"},
                   "a file sink");
    file_sink_config f;
    get_string(m, "path", f.path, true);
    using c = file_sink_config::compression;
    get_enum(m, "compression", f.compress, {{"none", c::none}, {"zstd", c::zstd}});
    get_bool(m, "fsync", f.fsync);
    std::size_t rotate_bytes = 0;
    get_size(m, "rotate_bytes", rotate_bytes, 0, 1ull << 40);
    // Below 1KiB every batch would get its own file: surely a missing unit, not a wish.
    if (rotate_bytes != 0 && rotate_bytes < 1024) {
      error(line(m, "rotate_bytes"), m.child("rotate_bytes"),
            fmt::format("must be 0 (off) or at least 1KiB, got {}", format_size(rotate_bytes)));
    } else {
      f.rotate_bytes = rotate_bytes;
    }
    get_duration(m, "rotate_interval", f.rotate_interval, duration(0), std::chrono::hours(24 * 366));
    if (f.rotate_interval != duration(0) && f.rotate_interval < std::chrono::seconds(1)) {
      error(line(m, "rotate_interval"), m.child("rotate_interval"),
            fmt::format("must be 0 (off) or at least 1s, got {}", format_duration(f.rotate_interval)));
      f.rotate_interval = duration(0);
    }
    return f;
  }

  elasticsearch_sink_config load_es_sink(map_view& m) {
    reject_unknown(m,
                   {"name",
                    "type",
                    "url",
                    "urls",
                    "cloud_id",
                    "index",
                    "data_stream",
                    "api_key",
                    "api_key_file",
                    "username",
                    "password",
                    "password_file",
                    "bearer_token",
                    "bearer_token_file",
                    "ca_file",
                    "compression",
                    "max_batch_events",
                    "max_batch_bytes",
                    "flush_interval",
                    "max_in_flight",
                    "request_timeout",
                    "template",
                    "retention",
                    "pipeline"},
                   "an elasticsearch sink");
    elasticsearch_sink_config es;
    load_es_endpoints(m, es);

    const entry* index_e = m.given("index");
    const entry* stream_e = m.given("data_stream");
    if (index_e && stream_e) {
      const entry* later = index_e->key_line > stream_e->key_line ? index_e : stream_e;
      error(later->key_line, m.child(later->key), "give either index or data_stream, not both");
    } else if (!index_e && !stream_e) {
      error(m.line, m.child("index"), "required key is missing (give index or data_stream)");
    } else if (index_e) {
      if (get_string(m, "index", es.index, true)) {
        if (auto p = index_problem(es.index); !p.empty()) error(line(m, "index"), m.child("index"), p);
      }
    } else if (get_string(m, "data_stream", es.data_stream, true)) {
      auto p = es.data_stream.find("%{") != std::string::npos
                   ? std::string("cannot hold a date pattern: a data stream rolls over by itself (use index: "
                                 "name-%{+yyyy.MM.dd} for event-time indices)")
                   : index_name_problem(es.data_stream);
      if (p.empty() && std::count(es.data_stream.begin(), es.data_stream.end(), '-') < 2)
        p = "must be <type>-<dataset>-<namespace>, e.g. logs-scaleft.audit-default";
      if (!p.empty()) error(line(m, "data_stream"), m.child("data_stream"), p);
    }

    load_es_auth(m, es);
    get_string(m, "ca_file", es.ca_file);
    using c = elasticsearch_sink_config::compression;
    get_enum(m, "compression", es.compress, {{"gzip", c::gzip}, {"none", c::none}});
    get_int(m, "max_batch_events", es.max_batch_events, 1, 1'000'000);
    // Elasticsearch refuses bodies over http.max_content_length (100mb) with a bare 413.
    get_size(m, "max_batch_bytes", es.max_batch_bytes, 1, 100ull << 20);
    get_duration(m, "flush_interval", es.flush_interval, std::chrono::milliseconds(1), std::chrono::hours(1));
    get_int(m, "max_in_flight", es.max_in_flight, 1, 64);
    get_duration(m, "request_timeout", es.request_timeout, std::chrono::milliseconds(10),
                 std::chrono::hours(1));
    get_bool(m, "template", es.template_install);
    get_duration(m, "retention", es.retention, duration(0), std::chrono::hours(24 * 365 * 100));
    if (es.retention.count() != 0 && es.retention < std::chrono::hours(24)) {
      error(line(m, "retention"), m.child("retention"), "must be 0 (keep forever) or at least 1d");
    } else if (es.retention.count() != 0 && !es.index.empty() && es.index.find("%{") == std::string::npos) {
      // A lifecycle deletes whole indices: on one fixed index that would delete everything at once.
      error(line(m, "retention"), m.child("retention"),
            "needs a data_stream or an event-time index (index: name-%{+yyyy.MM.dd}); a fixed index would be "
            "deleted whole");
    }
    get_string(m, "pipeline", es.pipeline);
    return es;
  }

  void load_es_endpoints(const map_view& m, elasticsearch_sink_config& es) {
    std::vector<const entry*> given;
    for (auto k : {"url", "urls", "cloud_id"})
      if (const entry* e = m.given(k)) given.push_back(e);
    if (given.empty()) {
      error(m.line, m.child("url"), "required key is missing (give url, urls or cloud_id)");
      return;
    }
    if (given.size() > 1) {
      std::sort(given.begin(), given.end(), [](auto* a, auto* b) { return a->key_line < b->key_line; });
      error(given.back()->key_line, m.child(given.back()->key), "give only one of url, urls and cloud_id");
      return;
    }
    const entry& e = *given.front();
    if (e.key == "url") {
      std::string u;
      if (get_url(m, "url", u)) es.urls.push_back(std::move(u));
    } else if (e.key == "urls") {
      if (!e.value.IsSequence()) {
        error(e.value_line, m.child("urls"),
              fmt::format("expected a list of URLs, got {}", type_name(e.value)));
        return;
      }
      if (e.value.size() == 0) {
        error(e.value_line, m.child("urls"), "must list at least one URL");
        return;
      }
      std::size_t i = 0;
      for (const auto& item : e.value) {
        const std::string path = fmt::format("{}[{}]", m.child("urls"), i++);
        const int l = line_of(item, e.value_line);
        if (!item.IsScalar()) {
          error(l, path, fmt::format("expected a URL, got {}", type_name(item)));
          continue;
        }
        auto v = expand(item.Scalar(), l, path);
        std::string u;
        if (v && validate_url(v->text, l, path, u)) es.urls.push_back(std::move(u));
      }
    } else {
      auto v = scalar(m, "cloud_id", true);
      if (!v) return;
      if (auto u = cloud_id_to_url(v->text)) {
        es.urls.push_back(std::move(*u));
      } else {
        error(e.value_line, m.child("cloud_id"),
              "is not a valid cloud id: expected label:base64(host[:port]$es_uuid$kibana_uuid)");
      }
    }
  }

  void load_es_auth(const map_view& m, elasticsearch_sink_config& es) {
    get_secret(m, "api_key", es.api_key, false);
    get_string(m, "username", es.username);
    get_secret(m, "password", es.password, false);
    get_secret(m, "bearer_token", es.bearer_token, false);

    // Which auth modes the file names (by key presence, so a bad value still counts as a choice).
    auto first_line = [&](std::initializer_list<std::string_view> keys) {
      int best = 0;
      for (auto k : keys)
        if (const entry* e = m.given(k); e && (best == 0 || e->key_line < best)) best = e->key_line;
      return best;
    };
    struct mode {
      std::string_view name;
      int line;
    };
    std::vector<mode> modes;
    if (int l = first_line({"api_key", "api_key_file"})) modes.push_back({"api_key", l});
    if (int l = first_line({"username", "password", "password_file"}))
      modes.push_back({"username/password", l});
    if (int l = first_line({"bearer_token", "bearer_token_file"})) modes.push_back({"bearer_token", l});
    if (modes.size() > 1) {
      std::sort(modes.begin(), modes.end(), [](const mode& a, const mode& b) { return a.line < b.line; });
      const auto key =
          modes.back().name == "username/password" ? std::string("username") : std::string(modes.back().name);
      error(modes.back().line, m.child(key),
            fmt::format(
                "give only one way to authenticate: {} is already used (api_key, username + password or "
                "bearer_token)",
                modes.front().name));
      return;
    }
    const bool has_user = m.given("username") != nullptr;
    const bool has_password = m.given("password") || m.given("password_file");
    if (has_user && !has_password)
      error(m.line, m.child("password"), "required with username (give password or password_file)");
    if (!has_user && has_password) error(m.line, m.child("username"), "required with password");
  }

  inline static const std::vector<std::string_view> all_sink_keys_ = {"name",
                                                                      "type",
                                                                      "path",
                                                                      "compression",
                                                                      "fsync",
                                                                      "rotate_bytes",
                                                                      "rotate_interval",
                                                                      "url",
                                                                      "urls",
                                                                      "cloud_id",
                                                                      "index",
                                                                      "data_stream",
                                                                      "api_key",
                                                                      "api_key_file",
                                                                      "username",
                                                                      "password",
                                                                      "password_file",
                                                                      "bearer_token",
                                                                      "bearer_token_file",
                                                                      "ca_file",
                                                                      "max_batch_events",
                                                                      "max_batch_bytes",
                                                                      "flush_interval",
                                                                      "max_in_flight",
                                                                      "request_timeout",
                                                                      "template",
                                                                      "retention",
                                                                      "pipeline"};

 private:
  std::string file_;
  const env_lookup& env_;
  std::vector<load_error> errors_;
  // Lines of source.poll_interval and http.ready_window: 0 when not written (the default), -1 when invalid.
  int poll_interval_line_ = 0;
  int ready_window_line_ = 0;
};

std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

bool valid_port(std::string_view p) {
  int n = 0;
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
  return !p.empty() && ec == std::errc() && end == p.data() + p.size() && n >= 1 && n <= 65535;
}

}  // namespace

std::string load_error::to_string() const {
  if (line <= 0 && key_path.empty()) return fmt::format("{}: {}", file, message);
  if (key_path.empty()) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}:{}: {}: {}", file, line, key_path, message);
}

bool is_loopback_host(std::string_view host) {
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  if (h == "localhost" || h == "localhost.") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::optional<std::string> cloud_id_to_url(std::string_view cloud_id) {
  // The label may itself contain ':'; base64 never does, so the payload follows the last one.
  if (const auto colon = cloud_id.rfind(':'); colon != std::string_view::npos)
    cloud_id = cloud_id.substr(colon + 1);
  auto decoded = base64_decode(cloud_id);
  if (!decoded) return std::nullopt;
  std::string_view d = *decoded;
  const auto dollar = d.find('$');
  if (dollar == std::string_view::npos) return std::nullopt;
  std::string_view host = d.substr(0, dollar);
  std::string_view es_uuid = d.substr(dollar + 1);
  es_uuid = es_uuid.substr(0, es_uuid.find('$'));
  std::string_view port = "443";
  if (const auto c = host.rfind(':'); c != std::string_view::npos) {
    port = host.substr(c + 1);
    host = host.substr(0, c);
  }
  // Newer ids may carry the port on the uuid instead (es_uuid:port); it wins.
  if (const auto c = es_uuid.rfind(':'); c != std::string_view::npos) {
    port = es_uuid.substr(c + 1);
    es_uuid = es_uuid.substr(0, c);
  }
  auto plain = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char ch) {
      return std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_';
    });
  };
  if (!plain(host) || !plain(es_uuid) || !valid_port(port)) return std::nullopt;
  return fmt::format("https://{}.{}:{}", es_uuid, host, port);
}

load_result load_config_text(std::string_view yaml, const std::string& file_name, const env_lookup& env) {
  load_result result;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    result.errors.push_back(
        {file_name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "invalid YAML: " + e.msg});
    return result;
  }
  loader l(file_name, env);
  forwarder_config cfg;
  try {
    cfg = l.load(root);
  } catch (const YAML::Exception& e) {
    // The walk only reads nodes it has type-checked; this is a safety net, not a path we expect.
    l.error(e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "invalid YAML: " + e.msg);
  }
  result.errors = l.take_errors();
  if (result.errors.empty()) result.config = std::move(cfg);
  return result;
}

load_result load_config_file(const std::string& path, const env_lookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int saved = errno;
    return {std::nullopt,
            {{path, 0, "", fmt::format("cannot read the configuration file: {}", std::strerror(saved))}}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return {std::nullopt, {{path, 0, "", "cannot read the configuration file: I/O error"}}};
  return load_config_text(text.str(), path, env);
}

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

std::string render_effective_config(const forwarder_config& c) {
  YAML::Emitter out;
  auto secret_field = [&out](std::string_view key, const secret& s) {
    if (!s.empty()) out << YAML::Key << std::string(key) << YAML::Value << "<redacted>";
  };
  const auto& s = c.source;
  out << YAML::BeginMap;
  out << YAML::Key << "source" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "url" << YAML::Value << s.url;
  out << YAML::Key << "team" << YAML::Value << s.team;
  out << YAML::Key << "service_user" << YAML::Value << s.service_user;
  out << YAML::Key << "key_id" << YAML::Value << s.key_id;
  secret_field("key_secret", s.key_secret);
  out << YAML::Key << "page_size" << YAML::Value << s.page_size;
  out << YAML::Key << "poll_interval" << YAML::Value << format_duration(s.poll_interval);
  out << YAML::Key << "request_timeout" << YAML::Value << format_duration(s.request_timeout);
  out << YAML::Key << "start_at" << YAML::Value
      << (s.start_at.what == start_position::kind::oldest   ? std::string("oldest")
          : s.start_at.what == start_position::kind::newest ? std::string("newest")
                                                            : s.start_at.time);
  out << YAML::Key << "ca_file" << YAML::Value << s.ca_file;
  out << YAML::Key << "rate_limit_headroom" << YAML::Value << s.rate_limit_headroom;
  out << YAML::Key << "on_lost_offset" << YAML::Value
      << (s.on_lost_offset == source_config::lost_offset_policy::stop     ? std::string("stop")
          : s.on_lost_offset == source_config::lost_offset_policy::oldest ? std::string("oldest")
                                                                          : std::string("newest"));
  out << YAML::EndMap;

  out << YAML::Key << "state_dir" << YAML::Value << c.state_dir;
  out << YAML::Key << "shutdown_grace" << YAML::Value << format_duration(c.shutdown_grace);
  out << YAML::Key << "buffer" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_events" << YAML::Value << c.buffer.max_events;
  out << YAML::Key << "max_bytes" << YAML::Value << format_size(c.buffer.max_bytes);
  out << YAML::EndMap;
  out << YAML::Key << "retry" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "initial_backoff" << YAML::Value << format_duration(c.retry.initial_backoff);
  out << YAML::Key << "max_backoff" << YAML::Value << format_duration(c.retry.max_backoff);
  out << YAML::Key << "config_error_backoff" << YAML::Value << format_duration(c.retry.config_error_backoff);
  out << YAML::EndMap;

  out << YAML::Key << "key_rotation" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << c.key_rotation.enabled;
  out << YAML::Key << "max_age" << YAML::Value << format_duration(c.key_rotation.max_age);
  out << YAML::Key << "expire_previous" << YAML::Value
      << (c.key_rotation.expire_previous == key_rotation_config::expire_mode::never ? "never" : "after_verify");
  if (!c.key_rotation.on_rotate.empty()) {
    out << YAML::Key << "on_rotate" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& a : c.key_rotation.on_rotate) out << a;
    out << YAML::EndSeq;
  }
  out << YAML::Key << "on_rotate_timeout" << YAML::Value << format_duration(c.key_rotation.on_rotate_timeout);
  out << YAML::Key << "restore_from" << YAML::Value << c.key_rotation.restore_from;
  out << YAML::EndMap;

  out << YAML::Key << "sinks" << YAML::Value << YAML::BeginSeq;
  for (const auto& sink : c.sinks) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << sink.name;
    out << YAML::Key << "type" << YAML::Value << sink.type();
    if (const auto* f = std::get_if<file_sink_config>(&sink.settings)) {
      out << YAML::Key << "path" << YAML::Value << f->path;
      out << YAML::Key << "compression" << YAML::Value
          << (f->compress == file_sink_config::compression::zstd ? "zstd" : "none");
      out << YAML::Key << "fsync" << YAML::Value << f->fsync;
      out << YAML::Key << "rotate_bytes" << YAML::Value << format_size(f->rotate_bytes);
      out << YAML::Key << "rotate_interval" << YAML::Value << format_duration(f->rotate_interval);
    } else {
      const auto& es = std::get<elasticsearch_sink_config>(sink.settings);
      out << YAML::Key << "urls" << YAML::Value << YAML::BeginSeq;
      for (const auto& u : es.urls) out << u;
      out << YAML::EndSeq;
      if (!es.data_stream.empty()) {
        out << YAML::Key << "data_stream" << YAML::Value << es.data_stream;
      } else {
        out << YAML::Key << "index" << YAML::Value << es.index;
      }
      secret_field("api_key", es.api_key);
      if (!es.username.empty()) out << YAML::Key << "username" << YAML::Value << es.username;
      secret_field("password", es.password);
      secret_field("bearer_token", es.bearer_token);
      out << YAML::Key << "ca_file" << YAML::Value << es.ca_file;
      out << YAML::Key << "compression" << YAML::Value
          << (es.compress == elasticsearch_sink_config::compression::gzip ? "gzip" : "none");
      out << YAML::Key << "max_batch_events" << YAML::Value << es.max_batch_events;
      out << YAML::Key << "max_batch_bytes" << YAML::Value << format_size(es.max_batch_bytes);
      out << YAML::Key << "flush_interval" << YAML::Value << format_duration(es.flush_interval);
      out << YAML::Key << "max_in_flight" << YAML::Value << es.max_in_flight;
      out << YAML::Key << "request_timeout" << YAML::Value << format_duration(es.request_timeout);
      out << YAML::Key << "template" << YAML::Value << es.template_install;
      out << YAML::Key << "retention" << YAML::Value << format_duration(es.retention);
      out << YAML::Key << "pipeline" << YAML::Value << es.pipeline;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;

  out << YAML::Key << "http" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value << c.http.listen;
  out << YAML::Key << "ready_window" << YAML::Value << format_duration(c.http.ready_window);
  out << YAML::EndMap;

  static constexpr const char* levels[] = {"debug", "info", "warn", "error"};
  static constexpr const char* formats[] = {"json", "text"};
  out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "level" << YAML::Value << levels[static_cast<int>(c.log.min_level)];
  out << YAML::Key << "format" << YAML::Value << formats[static_cast<int>(c.log.style)];
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace sf::config
