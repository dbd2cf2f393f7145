// Reading the state directory's files without touching them: simdjson for JSON, a line count for dead
// letters.
#include "daemon/ops/state_view.hpp"

#include "common/time/rfc3339.hpp"

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sf::ops {

namespace {

using sys_time = std::chrono::system_clock::time_point;

std::optional<sys_time> parse_time(std::string_view text) {
  auto ns = time::parse_rfc3339_ns(text);
  if (!ns) return std::nullopt;
  return sys_time(std::chrono::duration_cast<sys_time::duration>(std::chrono::nanoseconds(*ns)));
}

// Reads a small file whole; nullopt (with `error`) when it cannot; `missing` when it does not exist.
std::optional<std::string> slurp(const std::filesystem::path& p, bool& missing, std::string& error) {
  std::error_code ec;
  missing = !std::filesystem::exists(p, ec) && !ec;
  if (missing) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = "cannot read " + p.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

checkpoint_view read_checkpoint(const std::filesystem::path& state_dir) {
  checkpoint_view v;
  bool missing = false;
  auto text = slurp(state_dir / "checkpoint.json", missing, v.error);
  if (!text) return v;
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  std::string_view id, ts, written;
  std::uint64_t total = 0;
  if (parser.parse(*text).get(obj) || obj["event_id"].get(id) || obj["event_timestamp"].get(ts)) {
    v.error = (state_dir / "checkpoint.json").string() + " is not a checkpoint (run the daemon to see why)";
    return v;
  }
  v.present = true;
  v.event_id = id;
  v.event_timestamp = ts;
  v.event_time = parse_time(ts);
  if (!obj["events_total"].get(total)) v.events_total = total;
  if (!obj["written_at"].get(written)) v.written_at = written;
  return v;
}

credentials_view read_credentials(const std::filesystem::path& state_dir) {
  credentials_view v;
  bool missing = false;
  auto text = slurp(state_dir / "credentials.json", missing, v.error);
  if (!text) return v;
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(*text).get(obj)) {
    v.error = (state_dir / "credentials.json").string() + " is not JSON";
    return v;
  }
  v.present = true;
  auto key = [&](const char* name, std::optional<key_view>& out) {
    simdjson::dom::object k;
    std::string_view id, issued;
    if (obj[name].get(k) || k["id"].get(id)) return;
    out = key_view{std::string(id), std::nullopt};
    if (!k["issued_at"].get(issued)) out->issued_at = parse_time(issued);
  };
  key("current", v.current);
  key("previous", v.previous);
  key("pending", v.pending);
  std::string_view started;
  if (!obj["rotation_started_at"].get(started)) v.rotation_started_at = parse_time(started);
  return v;
}

dead_letter_view count_dead_letters(const std::string& sink, const std::filesystem::path& path) {
  dead_letter_view v;
  v.sink = sink;
  v.path = path;
  std::ifstream in(v.path, std::ios::binary);
  if (!in) return v;
  v.present = true;
  char buf[64 * 1024];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    const auto n = static_cast<std::size_t>(in.gcount());
    v.bytes += n;
    for (std::size_t i = 0; i < n; ++i) v.events += buf[i] == '\n';
  }
  return v;
}

}  // namespace sf::ops
