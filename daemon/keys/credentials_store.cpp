// credentials.json in the state directory: the live, previous and pending API keys (0600, atomic writes).
#include "daemon/keys/credentials_store.hpp"

#include "common/json/json_escape.hpp"
#include "common/time/rfc3339.hpp"
#include "common/log/logger.hpp"
#include "daemon/state/state_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <simdjson.h>

#include <cerrno>
#include <cstring>

namespace sf::keys {

namespace {

std::int64_t to_ns(sys_time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

sys_time from_ns(std::int64_t ns) {
  return sys_time(std::chrono::duration_cast<sys_time::duration>(std::chrono::nanoseconds(ns)));
}

void append_string(std::string& out, std::string_view s) {
  out += '"';
  json::append_json_escaped(out, s);
  out += '"';
}

void append_time(std::string& out, const std::optional<sys_time>& t) {
  if (t) {
    append_string(out, time::format_rfc3339_ns(to_ns(*t)));
  } else {
    out += "null";
  }
}

void append_key(std::string& out, std::string_view name, const std::optional<key_record>& k) {
  out += ",\n  ";
  append_string(out, name);
  out += ": ";
  if (!k) {
    out += "null";
    return;
  }
  out += "{\"id\": ";
  append_string(out, k->id);
  out += ", \"secret\": ";
  append_string(out, k->secret);
  out += ", \"issued_at\": ";
  append_time(out, k->issued_at);
  out += "}";
}

bool read_time(simdjson::dom::element v, std::optional<sys_time>& out) {
  if (v.is_null()) return true;
  std::string_view text;
  if (v.get(text)) return false;
  auto ns = time::parse_rfc3339_ns(text);
  if (!ns) return false;
  out = from_ns(*ns);
  return true;
}

bool read_key(simdjson::dom::object obj, std::string_view name, std::optional<key_record>& out,
              std::string& why) {
  simdjson::dom::element v;
  if (obj[name].get(v) || v.is_null()) return true;
  simdjson::dom::object k;
  std::string_view id, secret;
  simdjson::dom::element issued;
  if (v.get(k) || k["id"].get(id) || k["secret"].get(secret) || id.empty() || secret.empty()) {
    why = std::string(name) + " is not {\"id\": string, \"secret\": string, ...}";
    return false;
  }
  key_record r{std::string(id), std::string(secret), std::nullopt};
  if (!k["issued_at"].get(issued) && !read_time(issued, r.issued_at)) {
    why = std::string(name) + ".issued_at is not an RFC 3339 time";
    return false;
  }
  out = std::move(r);
  return true;
}

}  // namespace

std::string serialize_credentials(const stored_credentials& c) {
  std::string out = "{\n  \"version\": 1";
  append_key(out, "current", c.current);
  append_key(out, "previous", c.previous);
  append_key(out, "pending", c.pending);
  out += ",\n  \"rotation_started_at\": ";
  append_time(out, c.rotation_started_at);
  out += ",\n  \"on_rotate_pending\": ";
  out += c.on_rotate_pending ? "true" : "false";
  out += "\n}\n";
  return out;
}

std::optional<stored_credentials> parse_credentials(std::string_view text, std::string& why) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(text.data(), text.size()).get(obj)) {
    why = "not a JSON object";
    return std::nullopt;
  }
  std::int64_t version = 0;
  if (obj["version"].get(version) || version != 1) {
    why = "version is not 1";
    return std::nullopt;
  }
  stored_credentials c;
  if (!read_key(obj, "current", c.current, why) || !read_key(obj, "previous", c.previous, why) ||
      !read_key(obj, "pending", c.pending, why))
    return std::nullopt;
  simdjson::dom::element started;
  if (!obj["rotation_started_at"].get(started) && !read_time(started, c.rotation_started_at)) {
    why = "rotation_started_at is not an RFC 3339 time";
    return std::nullopt;
  }
  // Absent in files written before on_rotate existed: nothing is pending then.
  simdjson::dom::element hook;
  if (!obj["on_rotate_pending"].get(hook) && hook.get(c.on_rotate_pending)) {
    why = "on_rotate_pending is not true or false";
    return std::nullopt;
  }
  if (!c.current && !c.pending) {
    why = "holds no key";
    return std::nullopt;
  }
  return c;
}

credentials_store::credentials_store(std::filesystem::path state_dir)
    : path_(std::move(state_dir) / "credentials.json") {}

loaded_credentials credentials_store::load() const {
  loaded_credentials out;
  auto r = state::read_small_file(path_, 64 * 1024);
  if (!r.ok()) {
    if (r.error.code == std::errc::no_such_file_or_directory) return out;
    out.what = loaded_credentials::kind::invalid;
    out.message = r.error.message;
    return out;
  }
  std::string why;
  auto parsed = parse_credentials(r.bytes, why);
  if (!parsed) {
    out.what = loaded_credentials::kind::invalid;
    out.message = path_.string() + ": " + why;
    return out;
  }
  out.what = loaded_credentials::kind::loaded;
  out.value = std::move(*parsed);
  return out;
}

state::status credentials_store::save(const stored_credentials& c) const {
  state::remove_stale_temp_files(path_);
  return state::write_secret_file(path_, serialize_credentials(c));
}

rotation_lock::rotation_lock(const std::filesystem::path& state_dir) {
  const auto path = state_dir / "credentials.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    error_ = "cannot open " + path.string() + ": " + std::strerror(errno);
    return;
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    error_ = errno == EWOULDBLOCK ? "another process is rotating the key (" + path.string() + " is locked)"
                                  : "cannot lock " + path.string() + ": " + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
  }
}

rotation_lock::~rotation_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sf::keys
