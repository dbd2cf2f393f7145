// Rotation of the service user's own API key: start-up key choice, periodic checks, the rotation procedure.
#pragma once

#include "config/config.hpp"
#include "common/http/client.hpp"
#include "daemon/keys/credentials_store.hpp"
#include "daemon/keys/hook_process.hpp"
#include "daemon/keys/key_api.hpp"
#include "daemon/keys/key_observer.hpp"
#include "daemon/keys/rotation_policy.hpp"
#include "common/retry/backoff.hpp"
#include "daemon/source/scaleft_api.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sf::keys {

struct rotation_result {
  bool ok = false;
  std::string message;  // what happened, or why it failed
};

class key_manager {
 public:
  // `forward_api` is the forwarder's own API client: the manager switches its key. Key management uses a
  // separate HTTP connection, so it never waits behind (or interleaves with) a page download, and the same
  // rate budget as `forward_api` (its limiter). A stop (cancellation of the awaiting task) ends a key call or
  // on_rotate program in progress; what the rotation wrote to disk lets the next start finish it. `observer`
  // (telemetry) hears of the key in use and of every rotation outcome as it happens; it must outlive this.
  key_manager(boost::asio::any_io_executor ex, const config::forwarder_config& cfg,
              source::scaleft_api& forward_api, key_observer& observer = no_key_observer());

  // Chooses the key to use before anything else is sent: a pending key a crash left (the rotation is
  // finished), else the stored key, else the configured one. Throws std::runtime_error (a start-up failure)
  // when credentials.json exists but cannot be read or parsed.
  boost::asio::awaitable<void> start();

  // Until a stop (only when rotation is enabled): checks the key list, rotates when due, deletes the
  // previous key, warns while rotation is impossible. Never throws.
  boost::asio::awaitable<void> run();

  // One check with a forced rotation (the rotate-key command).
  boost::asio::awaitable<rotation_result> rotate_now();

  const stored_credentials& credentials() const { return creds_; }


 private:
  using steady = std::chrono::steady_clock;

  boost::asio::awaitable<rotation_result> check(bool forced);
  boost::asio::awaitable<rotation_result> rotate(const rotation_decision& decision);
  boost::asio::awaitable<call_result> verify(const key_record& key);
  boost::asio::awaitable<rotation_result> switch_to_pending();
  boost::asio::awaitable<void> remove_previous();
  boost::asio::awaitable<bool> run_on_rotate();
  std::vector<std::string> known_secrets() const;
  std::optional<key_record> read_restored_key() const;
  void use(const key_record& key);
  void report_key();
  std::optional<sys_time> local_time(std::optional<sys_time> service_time) const;
  void note_date(const call_result& r);
  sys_time server_now() const;
  rotation_result blocked(std::string reason, std::chrono::milliseconds retry_in);
  void warn_if_due();
  bool save(std::string_view why);
  void adopt_external_change();

  config::forwarder_config cfg_;
  source::scaleft_api& forward_api_;
  key_observer& observer_;
  http::client client_;
  source::scaleft_api admin_;
  key_api keys_;
  credentials_store store_;
  stored_credentials creds_;
  bool have_file_ = false;

  std::chrono::system_clock::duration server_offset_{0};  // service time minus local time (Date header)
  key_facts facts_;
  bool blocked_ = false;
  std::string blocked_reason_;
  std::optional<steady::time_point> last_warning_;
  urgency last_level_ = urgency::none;
  steady::time_point next_check_{};
  retry::backoff backoff_;
  std::string unknown_keys_logged_;
  hook_process hook_;
  std::string on_rotate_problem_;  // why key_rotation.on_rotate fails now ("" once it succeeded)
};

}  // namespace sf::keys
