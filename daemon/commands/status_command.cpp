// status: the checkpoint, its lag, the API key and dead letters, read from state_dir while the daemon runs.
#include "daemon/commands/command.hpp"
#include "common/time/rfc3339.hpp"
#include "common/json/json_escape.hpp"
#include "common/log/logger.hpp"
#include "daemon/ops/state_view.hpp"
#include "sinks/elasticsearch/dead_letter.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>

namespace sf::commands {
namespace {

using sys_time = std::chrono::system_clock::time_point;

std::string utc_seconds(sys_time t) { return time::format_rfc3339(t, 0); }

std::int64_t seconds(std::chrono::system_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

// Human-readable age: 93784 -> "1d 2h 3m 4s".
std::string human(std::int64_t s) {
  const bool neg = s < 0;
  if (neg) s = -s;
  std::string out;
  if (s >= 86400) out += fmt::format("{}d ", s / 86400);
  if (s >= 3600) out += fmt::format("{}h ", s / 3600 % 24);
  if (s >= 60) out += fmt::format("{}m ", s / 60 % 60);
  out += fmt::format("{}s", s % 60);
  return neg ? "-" + out : out;
}

void json_field(std::string& out, std::string_view key, std::string_view value, bool quote = true) {
  if (out.back() != '{') out += ',';
  out += '"';
  out += key;
  out += "\":";
  if (quote) {
    out += '"';
    json::append_json_escaped(out, value);
    out += '"';
  } else {
    out += value;
  }
}

int status(const cli_args& args) {
  auto loaded = load_config_or_report(args);
  if (!loaded) return exit_usage;
  const auto& cfg = *loaded;
  const bool as_json = args.has("--json");
  const auto now = std::chrono::system_clock::now();

  const auto cp = ops::read_checkpoint(cfg.state_dir);
  const auto creds = ops::read_credentials(cfg.state_dir);
  std::vector<ops::dead_letter_view> dead;
  for (const auto& s : cfg.sinks) {
    // Only the Elasticsearch sink refuses documents; a file sink stores everything.
    if (s.type() != "elasticsearch") continue;
    dead.push_back(
        ops::count_dead_letters(s.name, sinks::elasticsearch::dead_letter_file(cfg.state_dir, s.name).path()));
  }
  // The key in use: the rotated one kept in credentials.json, else the configured bootstrap key.
  std::string key_id = cfg.source.key_id;
  std::optional<sys_time> issued;
  std::optional<sys_time> last_rotation;
  if (creds.current) {
    key_id = creds.current->id;
    issued = creds.current->issued_at;
    if (creds.previous || creds.current->id != cfg.source.key_id) last_rotation = issued;
  }

  if (as_json) {
    std::string out = "{";
    json_field(out, "state_dir", cfg.state_dir);
    json_field(out, "checkpoint_present", cp.present ? "true" : "false", false);
    if (cp.present) {
      json_field(out, "checkpoint_event_id", cp.event_id);
      json_field(out, "checkpoint_event_timestamp", cp.event_timestamp);
      json_field(out, "checkpoint_events_total", std::to_string(cp.events_total), false);
      json_field(out, "checkpoint_written_at", cp.written_at);
      if (cp.event_time)
        json_field(out, "checkpoint_lag_seconds", std::to_string(seconds(now - *cp.event_time)), false);
    }
    if (!cp.error.empty()) json_field(out, "checkpoint_error", cp.error);
    json_field(out, "key_id", key_id);
    json_field(out, "key_source", creds.current ? "credentials.json" : "configuration");
    if (issued) {
      json_field(out, "key_issued_at", utc_seconds(*issued));
      json_field(out, "key_age_seconds", std::to_string(seconds(now - *issued)), false);
    }
    if (creds.previous && issued) {
      // ScaleFT expires the older key 48 h after a newer one is created.
      json_field(out, "previous_key_id", creds.previous->id);
      json_field(out, "previous_key_expires_at", utc_seconds(*issued + std::chrono::hours(48)));
    }
    if (creds.pending) json_field(out, "pending_key_id", creds.pending->id);
    if (last_rotation) json_field(out, "last_rotation", utc_seconds(*last_rotation));
    if (!creds.error.empty()) json_field(out, "credentials_error", creds.error);
    out += ",\"dead_letters\":{";
    for (std::size_t i = 0; i < dead.size(); ++i) {
      if (i) out += ',';
      out += '"';
      json::append_json_escaped(out, dead[i].sink);
      out += fmt::format("\":{}", dead[i].events);
    }
    out += "}}\n";
    std::cout << out;
  } else {
    std::cout << fmt::format("state_dir:            {}\n", cfg.state_dir);
    if (cp.present) {
      std::cout << fmt::format("checkpoint:           event {} at {} ({} events in total, written {})\n",
                               cp.event_id, cp.event_timestamp, cp.events_total, cp.written_at);
      if (cp.event_time)
        std::cout << fmt::format("checkpoint lag:       {}\n", human(seconds(now - *cp.event_time)));
    } else {
      std::cout << "checkpoint:           none yet (the first run starts at source.start_at)\n";
    }
    if (!cp.error.empty()) std::cout << "checkpoint error:     " << cp.error << "\n";
    std::cout << fmt::format("key:                  {} (from {})\n", key_id,
                             creds.current ? "credentials.json" : "the configuration");
    if (issued)
      std::cout << fmt::format("key age:              {} (issued {})\n", human(seconds(now - *issued)),
                               utc_seconds(*issued));
    if (creds.previous && issued)
      std::cout << fmt::format("previous key:         {} (expires by {})\n", creds.previous->id,
                               utc_seconds(*issued + std::chrono::hours(48)));
    if (creds.pending)
      std::cout << fmt::format("pending key:          {} (rotation in progress)\n", creds.pending->id);
    std::cout << fmt::format("last rotation:        {}\n", last_rotation ? utc_seconds(*last_rotation) : "never");
    if (!creds.error.empty()) std::cout << "credentials error:    " << creds.error << "\n";
    for (const auto& d : dead)
      std::cout << fmt::format("dead letters:         {}: {} events{}\n", d.sink, d.events,
                               d.present ? " in " + d.path.string() : "");
  }
  return cp.error.empty() && creds.error.empty() ? exit_ok : exit_runtime;
}

}  // namespace

const command status_command{"status",
                             "status --config FILE [--json]",
                             "checkpoint, lag, key and dead letters from state_dir (safe while running)",
                             {{"--config", true}, {"--json", false}},
                             status};

}  // namespace sf::commands
