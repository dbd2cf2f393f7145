// The ScaleFT side of every command, assembled once from the configuration: client, API, rate budget,
// audit reader and key manager.
#pragma once

#include "common/http/client.hpp"
#include "config/config.hpp"
#include "daemon/keys/key_manager.hpp"
#include "daemon/source/audit_reader.hpp"
#include "daemon/source/rate_limiter.hpp"
#include "daemon/source/scaleft_api.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <optional>
#include <string>

namespace sf::source {

// Who owns what: the source owns one HTTP connection for pages, the API wrapper on it (bearer tokens), the
// one rate limiter every request waits for and feeds (pages, token mints and the key manager's calls on
// its own connection), the audit reader on the API, and the key manager that switches the API's key.
// `run` reads and rotates through it, `backfill` reads, `rotate-key` rotates once. Nothing here starts a
// task: the commands run its coroutines under their task group.
class scaleft_source {
 public:
  // Throws std::runtime_error for start-up problems (source.url, the CA file).
  // `key_events` (telemetry) hears of the key in use and of every rotation outcome; it must outlive this.
  // `on_step` (test-connection) hears each connect step of the page connection.
  scaleft_source(boost::asio::any_io_executor ex, const config::forwarder_config& cfg,
                 keys::key_observer& key_events = keys::no_key_observer(), http::connection_observer on_step = {});
  scaleft_source(const scaleft_source&) = delete;
  scaleft_source& operator=(const scaleft_source&) = delete;

  // For a command that runs beside the daemon and never rotates (backfill): authenticate with the key the
  // daemon keeps in credentials.json, and read it again after a 401 (the daemon may rotate meanwhile).
  void follow_key_on_record();

  http::client& client() { return client_; }
  scaleft_api& api() { return api_; }
  rate_limiter& limiter() { return limiter_; }
  audit_reader& reader() { return reader_; }
  keys::key_manager& keys() { return keys_; }
  const config::forwarder_config& config() const { return cfg_; }

 private:
  config::forwarder_config cfg_;  // the reader and the key manager keep references into it
  http::client client_;
  rate_limiter limiter_;
  scaleft_api api_;
  audit_reader reader_;
  keys::key_manager keys_;
};

// The current key in <state_dir>/credentials.json, or nullopt when there is none (a warning when the file
// cannot be read).
std::optional<api_key> key_on_record(const std::string& state_dir);

}  // namespace sf::source
