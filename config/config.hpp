// The forwarder's configuration as typed values: every timeout, interval and bound has a default here.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sf::config {

using duration = std::chrono::milliseconds;

// A secret value: given inline or read from `<name>_file`. Never printed; `redacted()` is what logs show.
struct secret {
  std::string value;
  std::string source;  // "inline", "file:/path" or "env" (for messages only)
  bool empty() const { return value.empty(); }
};

struct start_position {
  enum class kind { oldest, newest, at_time } what = kind::oldest;
  std::string time;  // RFC 3339, when what == at_time
};

struct source_config {
  std::string url = "https://app.scaleft.com";
  std::string team;
  std::string service_user;  // required when key rotation is enabled
  std::string key_id;
  secret key_secret;
  int page_size = 1000;  // 1..1000
  duration poll_interval = std::chrono::seconds(30);
  duration request_timeout = std::chrono::seconds(30);
  start_position start_at;
  std::string ca_file;  // empty: the system trust store
  // An http:// proxy ("http://[user@]host:port"), "none" for none; empty: HTTPS_PROXY / NO_PROXY decide.
  std::string proxy_url;
  secret proxy_password;  // the password of proxy_url's user
  // Requests kept in reserve: when X-RateLimit-Remaining falls to this, requests are spread over the time
  // left until X-RateLimit-Reset instead of spending the rest of the budget at once.
  int rate_limit_headroom = 100;
  // What to do when the service refuses (400) an offset it served before, e.g. one older than its 90-day
  // retention: stop (exit 1 and say how to recover), or resume at the oldest or the newest event it has.
  enum class lost_offset_policy { stop, oldest, newest } on_lost_offset = lost_offset_policy::stop;
};

struct file_sink_config {
  std::string path;
  enum class compression { none, zstd } compress = compression::none;
  bool fsync = true;
  // What becomes of a batch's pages in the kernel's page cache once fdatasync has put them on disk: dropped
  // (POSIX_FADV_DONTNEED), so that a catch-up neither fills the cache (and a container's memory limit) with
  // an archive written once nor makes the kernel find fresh pages for every batch; or kept, for a reader on
  // the same machine tailing the file from memory. Without fsync nothing is on disk yet: then keep.
  enum class page_cache_policy { keep, drop } page_cache = page_cache_policy::drop;
  // Rotation (0 = off): the active file is renamed to <stem>-<UTC time>[.n]<ext> before a batch that would
  // take it past rotate_bytes (a batch is never split), or at the first batch after rotate_interval.
  std::uint64_t rotate_bytes = 0;
  duration rotate_interval = duration(0);
};

struct elasticsearch_sink_config {
  std::vector<std::string> urls;  // from url, urls or cloud_id
  std::string index;              // exactly one of index and data_stream; may hold %{+yyyy.MM.dd}
  std::string data_stream;
  secret api_key;  // base64 "id:key"
  std::string username;
  secret password;
  secret bearer_token;
  std::string ca_file;
  // Hex SHA-256 of a CA certificate trusted when the cluster presents it in its chain (Elastic's
  // ca_trusted_fingerprint), beside the system store and ca_file; "": none.
  std::string ca_trusted_fingerprint;
  std::string client_certificate;  // PEM file shown to a cluster that requires client certificates
  secret client_key;               // its private key (PEM), inline or from client_key_file
  bool allow_insecure_http = false;  // plain http:// to a host that is not loopback (an in-cluster service)
  std::string proxy_url;  // as source_config::proxy_url
  secret proxy_password;
  enum class compression { none, gzip } compress = compression::gzip;
  std::size_t max_batch_events = 5000;
  // With gzip and without the key, the loader bounds bodies at gzip_max_batch_bytes instead (measured: lower
  // peak RSS through a long catch-up; see gzip_batch_bytes_rule in keys.cpp).
  std::size_t max_batch_bytes = 10 * 1024 * 1024;
  static constexpr std::size_t gzip_max_batch_bytes = 512 * 1024;
  int max_in_flight = 2;
  duration request_timeout = std::chrono::seconds(60);
  bool template_install = false;  // config key `template`: run `setup` for this sink at start
  // Delete data older than this (0: keep forever); what setup writes into the lifecycle policy.
  duration retention = duration(0);
  // An ingest pipeline every bulk item names (`pipeline=`); empty: the index's default pipeline, if any.
  std::string pipeline;
};

struct sink_config {
  std::string name;
  std::variant<file_sink_config, elasticsearch_sink_config> settings;
  std::string type() const { return settings.index() == 0 ? "file" : "elasticsearch"; }
};

struct log_config {
  enum class level { debug, info, warn, error } min_level = level::info;
  enum class format { json, text } style = format::json;
};

struct retry_config {
  duration initial_backoff = std::chrono::milliseconds(500);
  duration max_backoff = std::chrono::seconds(60);
  duration config_error_backoff = std::chrono::minutes(5);  // 400/403/404: configuration problems
};

// Memory bound: pages fetched but not yet stored by every sink. When either limit is reached, polling pauses
// (the ScaleFT service is the durable buffer: nothing is spilled to disk just to wait).
struct buffer_config {
  // Chosen for peak RSS through a catch-up (bench/README.md): two 1000-event pages of ECS documents (~1.7 MB
  // each) keep the fetch a page ahead of the sinks; a larger window adds its bytes to the peak and no
  // throughput.
  std::size_t max_events = 2000;
  std::size_t max_bytes = 4 * 1024 * 1024;
};

// Rotation of the service user's own API key (needs role access_admin). The live key is kept in state_dir.
struct key_rotation_config {
  bool enabled = false;
  duration max_age = std::chrono::hours(7 * 24);  // rotate when the key in use is this old
  // What happens to the previous key once the new one is verified: deleted at once, or left to expire by
  // itself (48 h after the new key was created).
  enum class expire_mode { after_verify, never } expire_previous = expire_mode::after_verify;
  // A program and its arguments, run with the new key (JSON on stdin) after it is verified and before the
  // previous key is deleted, to store the key outside state_dir. Empty: none.
  std::vector<std::string> on_rotate;
  duration on_rotate_timeout = std::chrono::seconds(60);  // the program is killed after this long
  // A directory holding files key_id and key_secret: where the key on_rotate stored comes back (e.g. the
  // Secret it writes, mounted with optional: true). Tried at start-up after credentials.json, before
  // source.key_id, so that a lost state volume does not lock the forwarder out. Empty: none.
  std::string restore_from;
};

// The health and metrics endpoint (/healthz, /readyz, /metrics). An empty `listen` turns it off.
struct http_config {
  std::string listen = "127.0.0.1:8464";  // host:port; the default stays on loopback
  // /readyz fails when the source, or a sink with work waiting, made no progress for this long.
  duration ready_window = std::chrono::minutes(5);
};

struct forwarder_config {
  source_config source;
  std::string state_dir = "/var/lib/scaleft-forwarder";
  // How often the checkpoint is written while pages are delivered (each write is two fsyncs); pages
  // delivered in between go in the next write, and the last is written when the run ends. A crash sends
  // again what the interval held (duplicates: each event keeps its id). Zero: after every page.
  duration checkpoint_interval = std::chrono::seconds(1);
  std::vector<sink_config> sinks;
  log_config log;
  retry_config retry;
  buffer_config buffer;
  key_rotation_config key_rotation;
  http_config http;
  duration shutdown_grace = std::chrono::seconds(10);
};

}  // namespace sf::config
