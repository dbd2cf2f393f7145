// Checkpoint load (strict, with recovery advice on corruption) and atomic save, parsed with simdjson.
#include "daemon/state/checkpoint.hpp"

#include "common/time/rfc3339.hpp"
#include "common/json/json_escape.hpp"
#include "common/log/logger.hpp"
#include "daemon/state/state_dir.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <ctime>
#include <optional>

namespace sf::state {
namespace {

constexpr std::string_view recovery_advice =
    "To recover: restore the file from a backup, or delete it and set source.start_at (oldest, newest or an "
    "RFC 3339 time) to choose where fetching starts; events already shipped may be sent again, which is "
    "harmless for Elasticsearch (the event id is the document id).";

loaded_checkpoint corrupt(const std::filesystem::path& file, std::string_view what) {
  loaded_checkpoint r;
  r.what = loaded_checkpoint::kind::corrupt;
  r.message = fmt::format("checkpoint file {} is corrupt: {}. {}", file.string(), what, recovery_advice);
  return r;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string_view json_type_name(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a fractional number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "something else";
}

}  // namespace

std::string checkpoint_to_json(const checkpoint& cp) {
  std::string out;
  out.reserve(200);
  out += "{\"version\":";
  out += std::to_string(checkpoint_version);
  out += ",\"event_id\":\"";
  json::append_json_escaped(out, cp.event_id);
  out += "\",\"event_timestamp\":\"";
  json::append_json_escaped(out, cp.event_timestamp);
  out += "\",\"events_total\":";
  out += std::to_string(cp.events_total);
  out += ",\"written_at\":\"";
  json::append_json_escaped(out, cp.written_at);
  out += "\"}\n";
  return out;
}

status save_checkpoint(const std::filesystem::path& dir, const checkpoint& cp) {
  checkpoint stamped = cp;
  if (stamped.written_at.empty()) stamped.written_at = time::utc_now_rfc3339();
  return write_file_atomically(dir / checkpoint_file_name, checkpoint_to_json(stamped), secret_file_mode);
}

loaded_checkpoint load_checkpoint(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / checkpoint_file_name;
  // A temp file is only ever a save that did not reach rename(): the real file is still the last good one.
  const std::size_t removed = remove_stale_temp_files(file);
  if (removed > 0) {
    log::warn("removed leftover checkpoint temp files from an interrupted save",
              {{"dir", dir.string()}, {"count", removed}});
  }
  auto finish = [removed](loaded_checkpoint r) {
    r.stale_temp_files_removed = removed;
    return r;
  };

  read_result raw = read_small_file(file, checkpoint_max_bytes);
  if (!raw.ok()) {
    if (raw.error.code == std::errc::no_such_file_or_directory) return finish({});
    if (raw.error.code == std::errc::file_too_large) {
      return finish(corrupt(
          file, fmt::format("it is larger than {} bytes, so it is not a checkpoint", checkpoint_max_bytes)));
    }
    loaded_checkpoint r;
    r.what = loaded_checkpoint::kind::io_error;
    r.message = "cannot load the checkpoint: " + raw.error.message;
    return finish(std::move(r));
  }

  const std::string_view text = trim(raw.bytes);
  if (text.empty()) return finish(corrupt(file, "it is empty (truncated)"));
  if (text.find('\0') != std::string_view::npos) {
    return finish(
        corrupt(file, "it contains NUL bytes (truncated or zero-filled by a crash or a full disk)"));
  }
  if (text.front() == '{' && text.back() != '}') {
    return finish(corrupt(file, "it is truncated (the JSON object is not closed)"));
  }

  // The DOM parser, not on-demand: a checkpoint is tiny and must be validated completely, trailing bytes
  // included.
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    return finish(corrupt(file, fmt::format("it is not JSON ({})", simdjson::error_message(err))));
  }
  simdjson::dom::object obj;
  if (root.get(obj))
    return finish(corrupt(file, fmt::format("it is {}, not a JSON object", json_type_name(root.type()))));

  std::optional<std::int64_t> version;
  std::optional<std::string> event_id, event_timestamp, written_at;
  std::optional<std::uint64_t> events_total;
  for (const auto field : obj) {
    // Named copies, not a structured binding: clang < 16 cannot capture bindings in the lambda below.
    const std::string_view key = field.key;
    const simdjson::dom::element value = field.value;
    auto wrong_type = [&](std::string_view expected) {
      return finish(corrupt(file, fmt::format("field \"{}\" has the wrong type: expected {}, found {}", key,
                                              expected, json_type_name(value.type()))));
    };
    if (key == "version") {
      std::int64_t v = 0;
      if (value.get(v)) return wrong_type("an integer");
      version = v;
    } else if (key == "events_total") {
      std::uint64_t v = 0;
      if (value.get(v)) return wrong_type("a non-negative integer");
      events_total = v;
    } else if (key == "event_id" || key == "event_timestamp" || key == "written_at") {
      std::string_view s;
      if (value.get(s)) return wrong_type("a string");
      auto& slot = key == "event_id" ? event_id : key == "event_timestamp" ? event_timestamp : written_at;
      slot = std::string(s);
    }
    // Other fields are ignored (a newer writer may add some); the version guards incompatible changes.
  }

  if (!version) return finish(corrupt(file, "field \"version\" is missing"));
  if (*version != checkpoint_version) {
    return finish(
        corrupt(file, fmt::format("it has unknown version {} (this forwarder reads version {}; was it "
                                  "written by another release?)",
                                  *version, checkpoint_version)));
  }
  for (auto [name, present] : {std::pair{"event_id", event_id.has_value()},
                               std::pair{"event_timestamp", event_timestamp.has_value()},
                               std::pair{"events_total", events_total.has_value()},
                               std::pair{"written_at", written_at.has_value()}}) {
    if (!present) return finish(corrupt(file, fmt::format("field \"{}\" is missing", name)));
  }
  loaded_checkpoint r;
  r.what = loaded_checkpoint::kind::loaded;
  r.value =
      checkpoint{std::move(*event_id), std::move(*event_timestamp), *events_total, std::move(*written_at)};
  return finish(std::move(r));
}

}  // namespace sf::state
