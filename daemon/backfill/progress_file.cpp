// Progress file text (JSON, parsed strictly with simdjson) and its crash-safe load and save.
#include "daemon/backfill/progress_file.hpp"

#include "common/json/json_escape.hpp"
#include "common/log/logger.hpp"
#include "daemon/state/state_dir.hpp"

#include <fmt/format.h>
#include <simdjson.h>

namespace sf::backfill {
namespace {

constexpr int progress_version = 1;

void add_string(std::string& out, std::string_view key, std::string_view value) {
  out += fmt::format(",\"{}\":\"", key);
  json::append_json_escaped(out, value);
  out += '"';
}

}  // namespace

std::string progress_to_json(const progress_state& p) {
  std::string out = fmt::format("{{\"version\":{}", progress_version);
  out += fmt::format(",\"since_ns\":{},\"until_ns\":{}", p.since_ns, p.until_ns);
  add_string(out, "until_spec", p.until_spec);
  out += ",\"sinks\":[";
  for (std::size_t i = 0; i < p.sinks.size(); ++i) {
    out += i ? ",\"" : "\"";
    json::append_json_escaped(out, p.sinks[i]);
    out += '"';
  }
  out += fmt::format("],\"located\":{}", p.located);
  add_string(out, "cursor", p.cursor);
  add_string(out, "last_id", p.last_id);
  out += fmt::format(",\"position_ns\":{},\"done\":{},\"events\":{},\"pages\":{},\"requests\":{}",
                     p.position_ns, p.done, p.events, p.pages, p.requests);
  out += fmt::format(",\"search_requests\":{},\"elapsed_s\":{:.3f},\"per_sink\":[", p.search_requests,
                     p.elapsed_s);
  for (std::size_t i = 0; i < p.per_sink.size(); ++i) {
    const auto& s = p.per_sink[i];
    out += i ? ",{\"name\":\"" : "{\"name\":\"";
    json::append_json_escaped(out, s.name);
    out += fmt::format("\",\"stored\":{},\"duplicates\":{},\"dead_lettered\":{}}}", s.stored, s.duplicates,
                       s.dead_lettered);
  }
  out += "]}\n";
  return out;
}

std::optional<progress_state> progress_from_json(std::string_view text, std::string& why) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text.data(), text.size()).get(root)) {
    why = fmt::format("not JSON ({})", simdjson::error_message(err));
    return std::nullopt;
  }
  progress_state p;
  const auto fail = [&](std::string_view what) {
    why = std::string(what);
    return std::nullopt;
  };
  std::int64_t version = 0;
  if (root["version"].get(version) || version != progress_version) return fail("unknown version");
  std::string_view sv;
  bool b = false;
  std::uint64_t u = 0;
  double d = 0;
  if (root["since_ns"].get(p.since_ns) || root["until_ns"].get(p.until_ns))
    return fail("bad since_ns/until_ns");
  if (root["until_spec"].get(sv)) return fail("bad until_spec");
  p.until_spec = sv;
  simdjson::dom::array arr;
  if (root["sinks"].get(arr)) return fail("bad sinks");
  for (auto el : arr) {
    if (el.get(sv)) return fail("bad sink name");
    p.sinks.emplace_back(sv);
  }
  if (root["located"].get(b)) return fail("bad located");
  p.located = b;
  if (root["cursor"].get(sv)) return fail("bad cursor");
  p.cursor = sv;
  if (root["last_id"].get(sv)) return fail("bad last_id");
  p.last_id = sv;
  if (root["position_ns"].get(p.position_ns)) return fail("bad position_ns");
  if (root["done"].get(b)) return fail("bad done");
  p.done = b;
  if (root["events"].get(p.events) || root["pages"].get(p.pages) || root["requests"].get(p.requests) ||
      root["search_requests"].get(p.search_requests))
    return fail("bad counters");
  if (root["elapsed_s"].get(d)) {
    if (root["elapsed_s"].get(u)) return fail("bad elapsed_s");
    d = static_cast<double>(u);
  }
  p.elapsed_s = d;
  if (root["per_sink"].get(arr)) return fail("bad per_sink");
  for (auto el : arr) {
    sink_totals s;
    if (el["name"].get(sv)) return fail("bad per_sink name");
    s.name = sv;
    if (el["stored"].get(s.stored) || el["duplicates"].get(s.duplicates) ||
        el["dead_lettered"].get(s.dead_lettered))
      return fail("bad per_sink counters");
    p.per_sink.push_back(std::move(s));
  }
  return p;
}

loaded_progress load_progress(const std::filesystem::path& file) {
  loaded_progress r;
  auto read = state::read_small_file(file, 1 << 20);
  if (!read.ok()) {
    if (read.error.code == std::errc::no_such_file_or_directory) return r;
    r.what = loaded_progress::kind::io_error;
    r.message = read.error.message;
    return r;
  }
  std::string why;
  auto parsed = progress_from_json(read.bytes, why);
  if (!parsed) {
    r.what = loaded_progress::kind::invalid;
    r.message = fmt::format("backfill progress file {} is invalid: {}", file.string(), why);
    return r;
  }
  r.what = loaded_progress::kind::loaded;
  r.value = std::move(*parsed);
  return r;
}

state::status save_progress(const std::filesystem::path& file, const progress_state& p) {
  return state::write_file_atomically(file, progress_to_json(p), state::secret_file_mode);
}

}  // namespace sf::backfill
