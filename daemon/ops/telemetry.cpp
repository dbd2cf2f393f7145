// Telemetry bookkeeping and its renderings: Prometheus text, readiness, systemd status line.
#include "daemon/ops/telemetry.hpp"

#include "common/json/json_escape.hpp"
#include "common/log/logger.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sf::ops {

namespace {

double seconds_between(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

// Label values may hold anything a sink name holds; the exposition format escapes \ " and newline.
std::string label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

void latency_histogram::observe(double seconds) {
  const auto it = std::lower_bound(bounds.begin(), bounds.end(), seconds);
  if (it != bounds.end()) ++buckets[static_cast<std::size_t>(it - bounds.begin())];
  ++count;
  sum += seconds;
}

void telemetry::set_pending(std::size_t s, std::uint64_t pages, steady_time now) {
  auto& k = sinks[s];
  if (k.pending_pages == 0 && pages > 0) k.waiting_since = now;
  k.pending_pages = pages;
}

void telemetry::delivered(std::size_t s, std::uint64_t shipped, std::uint64_t duplicates, double seconds,
                          steady_time now) {
  auto& k = sinks[s];
  k.events_shipped += shipped;
  k.duplicates += duplicates;
  ++k.batches;
  k.latency.observe(seconds);
  k.last_delivery = now;
}

sinks::sink_observer& telemetry::add_sink(std::string name, std::string type) {
  auto& s = sinks.emplace_back();
  s.name = std::move(name);
  s.type = std::move(type);
  return s;
}

void sink_telemetry::on_request(std::string_view status) {
  ++requests[std::string(status)];
}
void sink_telemetry::on_bytes(std::uint64_t payload, std::uint64_t wire) {
  payload_bytes += payload;
  wire_bytes += wire;
}
void sink_telemetry::on_retry(std::uint64_t events) {
  retried_events += events;
}
void sink_telemetry::on_dead_letter(std::uint64_t events) {
  dead_lettered += events;
}

void telemetry::key_in_use(std::string_view id, std::optional<sys_time> issued_at,
                           std::optional<sys_time> expires_at) {
  key_id = std::string(id);
  key_issued_at = issued_at;
  key_expires_at = expires_at;
}

void telemetry::on_rotate_failed(std::string_view problem) {
  ++rotations["on_rotate_failed"];
  on_rotate_problem = std::string(problem);
}

std::string_view endpoint_of(std::string_view target) {
  const auto path = target.substr(0, target.find('?'));
  auto ends_with = [&](std::string_view s) {
    return path.size() >= s.size() && path.substr(path.size() - s.size()) == s;
  };
  if (ends_with("/service_token")) return "service_token";
  if (ends_with("/auditsV2")) return "auditsV2";
  if (path.find("/keys") != std::string_view::npos) return "keys";
  return "other";
}

std::string render_prometheus(const telemetry& t, sys_time now, steady_time mono) {
  std::string out;
  out.reserve(4096 + t.sinks.size() * 2048);
  auto it = std::back_inserter(out);

  header(out, "scaleft_forwarder_build_info", "gauge", "Build information; the value is always 1.");
  fmt::format_to(it, "scaleft_forwarder_build_info{{version=\"{}\"}} 1\n", SF_VERSION);
  header(out, "scaleft_forwarder_uptime_seconds", "gauge", "Seconds since the daemon started.");
  fmt::format_to(it, "scaleft_forwarder_uptime_seconds {:.3f}\n", seconds_between(mono - t.started_at));
  header(out, "scaleft_forwarder_authenticated", "gauge", "1 once the API key was exchanged for a token.");
  fmt::format_to(it, "scaleft_forwarder_authenticated {}\n", t.authenticated_at ? 1 : 0);

  header(out, "scaleft_forwarder_events_received_total", "counter",
         "Audit events fetched from the ScaleFT API.");
  fmt::format_to(it, "scaleft_forwarder_events_received_total {}\n", t.events_received);
  header(out, "scaleft_forwarder_pages_total", "counter",
         "auditsV2 pages fetched and parsed (empty ones too).");
  fmt::format_to(it, "scaleft_forwarder_pages_total {}\n", t.pages);
  header(out, "scaleft_forwarder_api_requests_total", "counter",
         "ScaleFT API requests by endpoint and HTTP status (0: no answer: timeout, reset, TLS).");
  for (const auto& [key, n] : t.requests)
    fmt::format_to(it, "scaleft_forwarder_api_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n",
                   label(key.first), key.second, n);
  header(out, "scaleft_forwarder_lost_offsets_total", "counter",
         "Offsets the ScaleFT API refused after serving them (past its retention): events were lost.");
  fmt::format_to(it, "scaleft_forwarder_lost_offsets_total {}\n", t.lost_offsets);
  if (t.rate_limit_remaining) {
    header(out, "scaleft_forwarder_rate_limit_remaining", "gauge",
           "X-RateLimit-Remaining of the last ScaleFT API response.");
    fmt::format_to(it, "scaleft_forwarder_rate_limit_remaining {}\n", *t.rate_limit_remaining);
  }

  header(out, "scaleft_forwarder_events_shipped_total", "counter",
         "Events each sink stored (duplicates of stored events included).");
  for (const auto& s : t.sinks)
    fmt::format_to(it, "scaleft_forwarder_events_shipped_total{{sink=\"{}\",type=\"{}\"}} {}\n",
                   label(s.name), s.type, s.events_shipped);
  // A series per sink, labelled by its name only.
  auto per_sink = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    header(out, name, type, help);
    for (const auto& s : t.sinks) fmt::format_to(it, "{}{{sink=\"{}\"}} {}\n", name, label(s.name), value(s));
  };
  per_sink("scaleft_forwarder_events_duplicate_total", "counter",
           "Events a sink already had (Elasticsearch 409 on create): replays after a restart.",
           [](const sink_telemetry& s) { return s.duplicates; });
  per_sink("scaleft_forwarder_events_dead_lettered_total", "counter",
           "Events a sink refused for good, written to its dead-letter file.",
           [](const sink_telemetry& s) { return s.dead_lettered; });
  header(out, "scaleft_forwarder_sink_requests_total", "counter",
         "Requests (Elasticsearch: HTTP status, 0 = no answer) or writes (file: ok, error) each sink made, "
         "retries included.");
  for (const auto& s : t.sinks)
    for (const auto& [status, n] : s.requests)
      fmt::format_to(it, "scaleft_forwarder_sink_requests_total{{sink=\"{}\",status=\"{}\"}} {}\n",
                     label(s.name), label(status), n);
  per_sink("scaleft_forwarder_sink_payload_bytes_total", "counter",
           "Bytes each sink handed to its transport as rendered (NDJSON, before compression).",
           [](const sink_telemetry& s) { return s.payload_bytes; });
  per_sink("scaleft_forwarder_sink_wire_bytes_total", "counter",
           "Bytes each sink sent or wrote (after gzip or zstd; equal to the payload when uncompressed).",
           [](const sink_telemetry& s) { return s.wire_bytes; });
  per_sink("scaleft_forwarder_sink_retried_events_total", "counter",
           "Events a sink sent or wrote again after a failed attempt.",
           [](const sink_telemetry& s) { return s.retried_events; });
  per_sink("scaleft_forwarder_sink_pending_pages", "gauge", "Fetched pages a sink has not delivered yet.",
           [](const sink_telemetry& s) { return s.pending_pages; });
  header(out, "scaleft_forwarder_batch_delivery_seconds", "histogram",
         "Time from handing a page to a sink until it was stored or dead-lettered, retries included.");
  for (const auto& s : t.sinks) {
    const auto name = label(s.name);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < latency_histogram::bounds.size(); ++i) {
      cumulative += s.latency.buckets[i];
      fmt::format_to(it, "scaleft_forwarder_batch_delivery_seconds_bucket{{sink=\"{}\",le=\"{}\"}} {}\n",
                     name, latency_histogram::bounds[i], cumulative);
    }
    fmt::format_to(it, "scaleft_forwarder_batch_delivery_seconds_bucket{{sink=\"{}\",le=\"+Inf\"}} {}\n",
                   name, s.latency.count);
    fmt::format_to(it, "scaleft_forwarder_batch_delivery_seconds_sum{{sink=\"{}\"}} {}\n", name,
                   s.latency.sum);
    fmt::format_to(it, "scaleft_forwarder_batch_delivery_seconds_count{{sink=\"{}\"}} {}\n", name,
                   s.latency.count);
  }

  header(out, "scaleft_forwarder_buffered_events", "gauge",
         "Events fetched and not yet stored by every sink.");
  fmt::format_to(it, "scaleft_forwarder_buffered_events {}\n", t.buffered_events);
  header(out, "scaleft_forwarder_buffered_bytes", "gauge", "Bytes of rendered events held for the sinks.");
  fmt::format_to(it, "scaleft_forwarder_buffered_bytes {}\n", t.buffered_bytes);

  header(out, "scaleft_forwarder_checkpoint_events_total", "counter",
         "Events behind the checkpoint, over the life of the state directory.");
  fmt::format_to(it, "scaleft_forwarder_checkpoint_events_total {}\n", t.checkpoint_events_total);
  if (t.checkpoint_event_time) {
    header(out, "scaleft_forwarder_checkpoint_timestamp_seconds", "gauge",
           "Unix time of the last committed event.");
    fmt::format_to(it, "scaleft_forwarder_checkpoint_timestamp_seconds {:.3f}\n",
                   seconds_between(t.checkpoint_event_time->time_since_epoch()));
    header(out, "scaleft_forwarder_checkpoint_lag_seconds", "gauge",
           "Now minus the timestamp of the last committed event.");
    fmt::format_to(it, "scaleft_forwarder_checkpoint_lag_seconds {:.3f}\n",
                   seconds_between(now - *t.checkpoint_event_time));
  }

  if (t.key_issued_at) {
    header(out, "scaleft_forwarder_key_age_seconds", "gauge", "Age of the API key in use.");
    fmt::format_to(it, "scaleft_forwarder_key_age_seconds {:.0f}\n", seconds_between(now - *t.key_issued_at));
  }
  if (t.key_expires_at) {
    header(out, "scaleft_forwarder_key_expiry_seconds", "gauge",
           "Seconds until the API key in use expires (negative: expired).");
    fmt::format_to(it, "scaleft_forwarder_key_expiry_seconds {:.0f}\n",
                   seconds_between(*t.key_expires_at - now));
  }
  header(out, "scaleft_forwarder_key_rotations_total", "counter", "Key rotations by outcome.");
  for (const auto& [outcome, n] : t.rotations)
    fmt::format_to(it, "scaleft_forwarder_key_rotations_total{{outcome=\"{}\"}} {}\n", label(outcome), n);
  return out;
}

std::string readiness::json() const {
  std::string out = ready ? "{\"ready\":true" : "{\"ready\":false";
  if (!reason.empty()) {
    out += ",\"reason\":\"";
    json::append_json_escaped(out, reason);
    out += '"';
  }
  out += "}\n";
  return out;
}

readiness check_ready(const telemetry& t, steady_time now, std::chrono::milliseconds window) {
  auto age_s = [&](steady_time since) {
    return std::chrono::duration_cast<std::chrono::seconds>(now - since).count();
  };
  if (t.stopping) return {false, "shutting down"};
  if (!t.source_problem.empty()) return {false, t.source_problem};
  if (!t.authenticated_at) return {false, "not authenticated to the ScaleFT API yet"};
  // Forwarding goes on, but the key that would survive a lost state volume is the old one, dying in 48 h.
  if (!t.on_rotate_problem.empty()) return {false, t.on_rotate_problem};
  // Before the first page the start of the process is the reference: a fresh daemon gets one window.
  const steady_time source_ref = t.last_source_progress.value_or(t.started_at);
  if (now - source_ref > window)
    return {false,
            t.last_source_progress
                ? fmt::format("no page fetched from the ScaleFT API for {}s", age_s(source_ref))
                : fmt::format("no page fetched from the ScaleFT API since start ({}s)", age_s(source_ref))};
  for (const auto& s : t.sinks) {
    if (s.pending_pages == 0) continue;
    steady_time ref = s.waiting_since.value_or(t.started_at);
    if (s.last_delivery && *s.last_delivery > ref) ref = *s.last_delivery;
    if (now - ref > window)
      return {false, fmt::format("sink '{}' delivered nothing for {}s with {} pages waiting", s.name,
                                 age_s(ref), s.pending_pages)};
  }
  return {true, {}};
}

std::string status_line(const telemetry& t, sys_time now) {
  if (t.stopping) return "Stopping: finishing the batch in flight";
  if (!t.authenticated_at) return "Authenticating to the ScaleFT API";
  std::uint64_t dead = 0;
  for (const auto& s : t.sinks) dead += s.dead_lettered;
  std::string lag = "no checkpoint yet";
  if (t.checkpoint_event_time)
    lag =
        fmt::format("checkpoint lag {}s",
                    std::chrono::duration_cast<std::chrono::seconds>(now - *t.checkpoint_event_time).count());
  return fmt::format("Forwarding: {} events received, {}, {} buffered, {} dead-lettered", t.events_received,
                     lag, t.buffered_events, dead);
}

}  // namespace sf::ops
