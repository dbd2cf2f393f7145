// Rotation of the service user's own API key: start-up key choice, periodic checks, the rotation procedure.
#include "daemon/keys/key_manager.hpp"

#include "common/time/rfc3339.hpp"
#include "daemon/keys/crash_point.hpp"
#include "daemon/keys/on_rotate.hpp"
#include "common/log/logger.hpp"
#include "daemon/runtime/cancellation.hpp"
#include "daemon/source/source_client.hpp"
#include "common/files/atomic_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <variant>

namespace sf::keys {

namespace {

std::string time_text(sys_time t) {
  return time::format_rfc3339_ns(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

double hours_of(std::chrono::system_clock::duration d) {
  return std::chrono::duration<double, std::ratio<3600>>(d).count();
}

void log_at(urgency u, std::string_view message, std::initializer_list<log::field> fields) {
  switch (u) {
    case urgency::error:
      log::error(message, fields);
      break;
    case urgency::warn:
      log::warn(message, fields);
      break;
    default:
      log::info(message, fields);
      break;
  }
}

// Key checks cost one request each: often enough to react within minutes to a key someone else created,
// rarely enough to stay far below the hourly request budget (12 an hour at the default poll interval).
std::chrono::milliseconds check_interval(const config::source_config& s) {
  return std::clamp<std::chrono::milliseconds>(s.poll_interval * 10, std::chrono::seconds(1),
                                               std::chrono::minutes(10));
}

std::chrono::milliseconds tick_interval(const config::source_config& s) {
  return std::clamp<std::chrono::milliseconds>(s.poll_interval, std::chrono::milliseconds(100),
                                               std::chrono::minutes(1));
}

}  // namespace

key_manager::key_manager(boost::asio::any_io_executor ex, const config::forwarder_config& cfg,
                         source::scaleft_api& forward_api, key_observer& observer)
    : cfg_(cfg),
      forward_api_(forward_api),
      observer_(observer),
      client_(ex, source::source_url(cfg.source), source::source_client_options(cfg.source, 4 * 1024 * 1024)),
      admin_(client_, cfg.source.team, forward_api.key(), forward_api.limiter()),
      keys_(admin_, cfg.source.service_user),
      store_(cfg.state_dir),
      backoff_(cfg.retry.initial_backoff, cfg.retry.max_backoff),
      hook_(ex) {
  creds_.current = key_record{cfg.source.key_id, cfg.source.key_secret.value, std::nullopt};
}

void key_manager::use(const key_record& key) {
  forward_api_.set_key(source::api_key{key.id, key.secret});
  admin_.set_key(source::api_key{key.id, key.secret});
  // Its expiry is not known until the key list is read (report_key).
  observer_.key_in_use(key.id, local_time(key.issued_at), std::nullopt);
}

std::optional<sys_time> key_manager::local_time(std::optional<sys_time> service_time) const {
  if (!service_time) return std::nullopt;
  return *service_time - server_offset_;
}

// What the last key list (or the manager's own deduction) says about the key in use.
void key_manager::report_key() {
  if (!creds_.current) return;
  observer_.key_in_use(creds_.current->id, local_time(facts_.issued_at), local_time(facts_.expires_at));
}

void key_manager::note_date(const call_result& r) {
  if (r.server_date) server_offset_ = *r.server_date - std::chrono::system_clock::now();
}

sys_time key_manager::server_now() const {
  return std::chrono::system_clock::now() + server_offset_;
}

bool key_manager::save(std::string_view why) {
  auto st = store_.save(creds_);
  if (!st.ok()) {
    log::error("cannot write the credentials file", {{"step", why}, {"error", st.error().message}});
    return false;
  }
  have_file_ = true;
  return true;
}

boost::asio::awaitable<call_result> key_manager::verify(const key_record& key) {
  // A separate API object: minting a token for the new key must not disturb the one in use.
  source::scaleft_api probe_api(client_, cfg_.source.team, source::api_key{key.id, key.secret}, forward_api_.limiter());
  key_api probe_keys(probe_api, cfg_.source.service_user);
  call_result r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = co_await probe_keys.probe();
    note_date(r);
    if (r.outcome != call_outcome::failed || co_await runtime::stop_requested()) break;
    if (!co_await runtime::sleep(cfg_.retry.initial_backoff * (attempt + 1))) break;
  }
  co_return r;
}

std::optional<key_record> key_manager::read_restored_key() const {
  const auto& dir = cfg_.key_rotation.restore_from;
  if (dir.empty()) return std::nullopt;
  const std::filesystem::path base(dir);
  auto id = state::read_small_file(base / "key_id", 4096);
  auto secret = state::read_small_file(base / "key_secret", 64 * 1024);
  if (!id.ok() || !secret.ok()) {
    // Normal before the first rotation (an optional Secret that does not exist yet): say so quietly.
    const auto& err = !id.ok() ? id.error : secret.error;
    if (err.code == std::errc::no_such_file_or_directory) {
      log::debug("no restored key", {{"restore_from", dir}});
    } else {
      log::warn("cannot read the restored key", {{"restore_from", dir}, {"error", err.message}});
    }
    return std::nullopt;
  }
  auto trim = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  };
  key_record k{trim(std::move(id.bytes)), trim(std::move(secret.bytes)), std::nullopt};
  if (k.id.empty() || k.secret.empty()) {
    log::warn("the restored key is empty; ignored", {{"restore_from", dir}});
    return std::nullopt;
  }
  return k;
}

boost::asio::awaitable<void> key_manager::start() {
  auto loaded = store_.load();
  if (loaded.what == loaded_credentials::kind::invalid) {
    throw std::runtime_error(
        loaded.message + " (move it away to start again from the configured key, if that key still works)");
  }
  const key_record configured{cfg_.source.key_id, cfg_.source.key_secret.value, std::nullopt};
  const std::optional<key_record> restored = read_restored_key();
  if (loaded.what == loaded_credentials::kind::missing && !restored) {
    // Nothing stored yet: the configured key bootstraps; it is stored at the first rotation.
    use(configured);
    co_return;
  }
  std::optional<stored_credentials> stored;
  if (loaded.what == loaded_credentials::kind::loaded) {
    have_file_ = true;
    stored = loaded.value;
  } else {
    log::info("no credentials.json in state_dir: trying the key the on_rotate program stored (restore_from)",
              {{"restore_from", cfg_.key_rotation.restore_from}, {"key_id", restored->id}});
  }
  if (stored && stored->rotation_started_at && !stored->pending) {
    log::warn(
        "a key rotation was interrupted before the new key's secret was stored; if the service created that "
        "key, "
        "its secret is lost: the next rotation gives it an expiry and it stops working 48 h later",
        {{"rotation_started_at", time_text(*stored->rotation_started_at)}});
  }
  std::optional<key_candidate> chosen;
  bool settled = false;
  // A named vector: GCC 12 mishandles a temporary range that lives across co_await.
  const std::vector<key_candidate> candidates = startup_candidates(stored, restored, configured);
  for (const auto& c : candidates) {
    auto r = co_await verify(c.key);
    if (r.outcome == call_outcome::ok) {
      chosen = c;
      settled = true;
      break;
    }
    if (r.outcome == call_outcome::unauthorized) {
      log::warn("an API key was refused",
                {{"key", to_string(c.origin)}, {"key_id", c.key.id}, {"error", r.message}});
      continue;
    }
    // The service cannot be asked now: use this key (unless it is an unverified pending one) and decide
    // later.
    log::warn("cannot verify an API key now",
              {{"key", to_string(c.origin)}, {"key_id", c.key.id}, {"error", r.message}});
    if (c.origin != key_origin::pending) {
      chosen = c;
      break;
    }
  }
  if (!chosen) {
    log::error(
        "no API key works: the stored, restored and configured keys were refused; put a fresh key in the "
        "configuration",
        {{"credentials_file", store_.path().string()}});
    if (stored) creds_ = *stored;
    if (creds_.current) use(*creds_.current);
    co_return;
  }
  if (settled) {
    creds_ = adopt_key(stored, *chosen);
  } else if (stored) {
    creds_ = *stored;
  } else {
    creds_.current = chosen->key;  // unverified (the service cannot be asked): nothing is written yet
  }
  if (settled && chosen->origin == key_origin::pending && !cfg_.key_rotation.on_rotate.empty())
    creds_.on_rotate_pending = true;  // the switch happened here: the new key is not stored elsewhere yet
  if (settled) {
    if (chosen->origin == key_origin::pending) {
      log::info("finished a key rotation that a restart interrupted: switched to the new key",
                {{"key_id", chosen->key.id}});
      observer_.rotation_succeeded();
    } else if (chosen->origin == key_origin::configured) {
      log::warn("the stored API key was refused and the configured key works: using the configured key",
                {{"key_id", chosen->key.id}, {"credentials_file", store_.path().string()}});
    } else if (chosen->origin == key_origin::restored) {
      log::warn(
          "using the key the on_rotate program stored (key_rotation.restore_from): state_dir had none that "
          "works",
          {{"key_id", chosen->key.id}, {"restore_from", cfg_.key_rotation.restore_from}});
    } else if (stored && stored->pending) {
      log::warn("dropped a pending key that the service refused; keeping the current key",
                {{"pending_key_id", stored->pending->id}, {"key_id", chosen->key.id}});
    }
    if (!stored || serialize_credentials(creds_) != serialize_credentials(*stored)) save("start-up");
  }
  use(chosen->key);
  log::info("using API key", {{"key", to_string(chosen->origin)}, {"key_id", chosen->key.id}});
}

boost::asio::awaitable<void> key_manager::run() {
  if (!cfg_.key_rotation.enabled) co_return;
  next_check_ = steady::now();
  for (;;) {
    if (steady::now() >= next_check_) {
      // Kept in a local: GCC 12 mishandles a discarded co_await result of class type.
      rotation_result r = co_await check(false);
      if (!r.ok) log::debug("key check", {{"result", r.message}});
    }
    if (co_await runtime::stop_requested()) break;
    warn_if_due();
    if (!co_await runtime::sleep(tick_interval(cfg_.source))) break;
  }
}

boost::asio::awaitable<rotation_result> key_manager::rotate_now() {
  co_return co_await check(true);
}

rotation_result key_manager::blocked(std::string reason, std::chrono::milliseconds retry_in) {
  blocked_ = true;
  blocked_reason_ = reason;
  next_check_ = steady::now() + retry_in;
  return {false, std::move(reason)};
}

void key_manager::warn_if_due() {
  std::optional<std::chrono::milliseconds> left;
  if (facts_.expires_at)
    left = std::chrono::duration_cast<std::chrono::milliseconds>(*facts_.expires_at - server_now());
  const auto plan = expiry_warning(blocked_, left);
  std::optional<std::chrono::milliseconds> since;
  if (last_warning_ && plan.level <= last_level_)
    since = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - *last_warning_);
  if (!warning_due(plan, since)) return;
  last_warning_ = steady::now();
  last_level_ = plan.level;
  if (left) {
    log_at(plan.level, "the API key cannot be rotated and will expire",
           {{"reason", blocked_reason_},
            {"expires_at", time_text(*facts_.expires_at)},
            {"hours_left", hours_of(*left)}});
  } else {
    log_at(plan.level, "the API key cannot be rotated; forwarding continues with the current key",
           {{"reason", blocked_reason_}});
  }
}

void key_manager::adopt_external_change() {
  // A rotate-key command (another process) may have rotated: its file is the truth, our key may be gone.
  auto loaded = store_.load();
  if (loaded.what != loaded_credentials::kind::loaded || !loaded.value.current) return;
  if (creds_.current && loaded.value.current->id == creds_.current->id) return;
  if (loaded.value.pending) return;  // mid-rotation in the other process
  log::info("the credentials file holds a new key (rotated by another process): switching to it",
            {{"key_id", loaded.value.current->id}});
  creds_ = loaded.value;
  have_file_ = true;
  use(*creds_.current);
}

boost::asio::awaitable<rotation_result> key_manager::check(bool forced) {
  // The whole check, not only the rotation: a rotate-key command beside the daemon must not finish a
  // pending switch or run the on_rotate program at the same time as the daemon does.
  rotation_lock lock(cfg_.state_dir);
  if (!lock.held()) {
    next_check_ = steady::now() + check_interval(cfg_.source);
    co_return rotation_result{false, lock.error()};
  }
  adopt_external_change();
  if (creds_.pending) {
    auto r = co_await switch_to_pending();
    if (!r.ok && creds_.pending) co_return r;
  }
  auto listed = co_await keys_.list();
  note_date(listed);
  if (listed.outcome == call_outcome::refused) {
    co_return blocked(
        "key management refused (403): the service user needs role access_admin (" + listed.message + ")",
        cfg_.retry.config_error_backoff);
  }
  if (listed.outcome != call_outcome::ok) {
    log::warn("cannot list the service user's keys; retrying", {{"error", listed.message}});
    if (listed.outcome == call_outcome::not_found) {
      co_return blocked(
          "the service user is unknown (404): check source.service_user (" + listed.message + ")",
          cfg_.retry.config_error_backoff);
    }
    next_check_ = steady::now() + backoff_.next();
    co_return rotation_result{false, "cannot list the keys: " + listed.message};
  }
  backoff_.reset();

  facts_ = key_facts{};
  facts_.issued_at = creds_.current ? creds_.current->issued_at : std::nullopt;
  std::vector<std::string> ids;
  for (const auto& k : listed.keys) {
    ids.push_back(k.id);
    if (creds_.current && k.id == creds_.current->id) {
      facts_.listed = true;
      if (k.issued_at) facts_.issued_at = k.issued_at;
      facts_.expires_at = k.expires_at;
    }
  }
  report_key();
  std::string unknown;
  for (const auto& id : unknown_key_ids(ids, creds_)) unknown += (unknown.empty() ? "" : ",") + id;
  if (unknown != unknown_keys_logged_) {
    unknown_keys_logged_ = unknown;
    if (!unknown.empty()) {
      log::info(
          "the service user has keys this forwarder does not hold (another administrator's, or one an "
          "interrupted rotation created); a rotation gives them an expiry",
          {{"key_ids", unknown}});
    }
  }

  // Retried at every check until it succeeds; until then the previous key is the copy outside state_dir.
  const bool stored_elsewhere = co_await run_on_rotate();
  if (creds_.previous) {
    const bool listed_previous = std::find(ids.begin(), ids.end(), creds_.previous->id) != ids.end();
    if (!listed_previous) {
      creds_.previous.reset();  // expired or deleted already
      save("forget the expired previous key");
    } else if (stored_elsewhere &&
               cfg_.key_rotation.expire_previous == config::key_rotation_config::expire_mode::after_verify) {
      co_await remove_previous();
    }
  }

  const auto decision = decide_rotation(facts_, server_now(), cfg_.key_rotation.max_age, forced);
  if (!decision.rotate()) {
    blocked_ = false;
    next_check_ = steady::now() + check_interval(cfg_.source);
    co_return rotation_result{true, "no rotation due"};
  }
  co_return co_await rotate(decision);
}

boost::asio::awaitable<void> key_manager::remove_previous() {
  const std::string id = creds_.previous->id;
  auto r = co_await keys_.remove(id);
  note_date(r);
  if (r.outcome == call_outcome::ok || r.outcome == call_outcome::not_found) {
    crash_point("after_delete_previous");
    creds_.previous.reset();
    save("forget the deleted previous key");
    log::info("deleted the previous API key", {{"key_id", id}});
  } else {
    log::warn("cannot delete the previous API key; retrying at the next check",
              {{"key_id", id}, {"error", r.message}});
  }
}

boost::asio::awaitable<rotation_result> key_manager::switch_to_pending() {
  const key_record pending = *creds_.pending;
  auto v = co_await verify(pending);
  if (v.outcome == call_outcome::unauthorized) {
    log::error("the new API key was refused when verified; deleting it and keeping the current key",
               {{"key_id", pending.id}, {"error", v.message}});
    auto d = co_await keys_.remove(pending.id);
    note_date(d);
    creds_.pending.reset();
    creds_.rotation_started_at.reset();
    save("drop the refused new key");
    observer_.rotation_failed("the new key was refused when verified");
    co_return blocked("the new key was refused when verified (" + v.message + ")",
                      cfg_.retry.config_error_backoff);
  }
  if (v.outcome != call_outcome::ok) {
    next_check_ = steady::now() + backoff_.next();
    observer_.rotation_failed("cannot verify the new key now");
    co_return rotation_result{false, "cannot verify the new key now: " + v.message};
  }
  crash_point("after_verify");
  creds_.previous = creds_.current;
  creds_.current = pending;
  creds_.pending.reset();
  creds_.rotation_started_at.reset();
  // Recorded with the switch itself, so that a crash before the program succeeded runs it after the restart.
  creds_.on_rotate_pending = !cfg_.key_rotation.on_rotate.empty();
  // If this write fails, the file still names the new key as pending: a restart verifies and promotes it.
  const bool saved = save("switch to the new key");
  use(pending);
  crash_point("after_switch");
  log::info("switched every request to the new API key",
            {{"key_id", pending.id}, {"previous_key_id", creds_.previous ? creds_.previous->id : ""}});
  facts_ = key_facts{true, pending.issued_at, std::nullopt};
  report_key();
  observer_.rotation_succeeded();
  blocked_ = false;
  // Named locals: GCC 12 mishandles co_await inside a conditional expression.
  bool stored_elsewhere = false;
  if (saved) stored_elsewhere = co_await run_on_rotate();
  if (stored_elsewhere && creds_.previous &&
      cfg_.key_rotation.expire_previous == config::key_rotation_config::expire_mode::after_verify) {
    co_await remove_previous();
  }
  next_check_ = steady::now() + check_interval(cfg_.source);
  if (saved && !stored_elsewhere)
    co_return rotation_result{false, "rotated to key " + pending.id + ", but " + on_rotate_problem_};
  co_return rotation_result{true, "rotated to key " + pending.id};
}

std::vector<std::string> key_manager::known_secrets() const {
  std::vector<std::string> out{cfg_.source.key_secret.value};
  for (const auto* k : {&creds_.current, &creds_.previous, &creds_.pending})
    if (*k) out.push_back((*k)->secret);
  for (const auto& sink : cfg_.sinks) {
    if (const auto* es = std::get_if<config::elasticsearch_sink_config>(&sink.settings)) {
      out.push_back(es->api_key.value);
      out.push_back(es->password.value);
      out.push_back(es->bearer_token.value);
    }
  }
  return out;
}

boost::asio::awaitable<bool> key_manager::run_on_rotate() {
  if (!creds_.on_rotate_pending || !creds_.current) co_return true;
  const auto& argv = cfg_.key_rotation.on_rotate;
  const key_record key = *creds_.current;
  const std::string previous_id = creds_.previous ? creds_.previous->id : "";
  if (argv.empty()) {
    log::warn(
        "key_rotation.on_rotate was removed from the configuration: the current key is kept in state_dir only",
              {{"key_id", key.id}});
    creds_.on_rotate_pending = false;
    save("on_rotate is no longer configured");
    if (!on_rotate_problem_.empty()) observer_.on_rotate_recovered();
    on_rotate_problem_.clear();
    co_return true;
  }
  log::info("running key_rotation.on_rotate with the new key", {{"program", argv[0]}, {"key_id", key.id}});
  const std::string input =
      hook_input_json({key.id, key.secret, cfg_.source.team, cfg_.source.service_user, previous_id});
  const std::vector<std::string> env = hook_environment(process_environment_entries(), known_secrets());
  const auto timeout = cfg_.key_rotation.on_rotate_timeout;
  const child_result r = co_await hook_.run(argv, env, input, timeout);
  const bool stopping = co_await runtime::stop_requested();
  if (!r.ok()) {
    const std::string how = describe(r, timeout);
    on_rotate_problem_ = fmt::format(
        "key_rotation.on_rotate ({}) {} for key {}; the previous key {} is kept (valid until it expires) and "
        "the program runs again at the next key check",
        argv[0], how, key.id, previous_id.empty() ? "(none)" : previous_id);
    observer_.on_rotate_failed(on_rotate_problem_);
    log::error("the on_rotate program failed: the previous API key is not deleted",
               {{"program", argv[0]},
                {"result", how},
                {"key_id", key.id},
                {"previous_key_id", previous_id},
                {"stopping", stopping}});
    co_return false;
  }
  crash_point("after_on_rotate");
  creds_.on_rotate_pending = false;
  // If this write fails the flag stays on disk and the program runs again after a restart: harmless, the
  // contract asks for a program that can store the same key twice.
  save("note that on_rotate stored the new key");
  if (!on_rotate_problem_.empty()) observer_.on_rotate_recovered();
  on_rotate_problem_.clear();
  log::info("the on_rotate program stored the new key", {{"program", argv[0]}, {"key_id", key.id}});
  co_return true;
}

boost::asio::awaitable<rotation_result> key_manager::rotate(const rotation_decision& decision) {
  // check() holds the rotation lock.
  log::info("rotating the API key", {{"reason", to_string(decision.reason)},
                                     {"why", decision.why},
                                     {"key_id", creds_.current ? creds_.current->id : ""}});
  // Only for the log after a crash; a failure here must not stop the rotation (the key is stored next).
  creds_.rotation_started_at = server_now();
  save("note that a rotation starts");
  crash_point("before_create");

  auto created = co_await keys_.create();
  note_date(created);
  if (created.outcome != call_outcome::ok) {
    observer_.rotation_failed("cannot create a key");
    // An HTTP error answer means no key was made; a lost connection may have made one (kept in the note).
    if (created.server_date) {
      creds_.rotation_started_at.reset();
      save("the key creation was refused");
    }
    if (created.outcome == call_outcome::refused) {
      co_return blocked(
          "key management refused (403): the service user needs role access_admin (" + created.message + ")",
          cfg_.retry.config_error_backoff);
    }
    blocked_ = true;
    blocked_reason_ = "cannot create a key: " + created.message;
    next_check_ = steady::now() + backoff_.next();
    co_return rotation_result{false, blocked_reason_};
  }
  crash_point("after_create");
  const key_record fresh = created.key;
  creds_.pending = fresh;
  auto st = store_.save(creds_);
  if (!st.ok()) {
    // Never use a key whose secret is not on disk: delete it at once and keep the old one.
    creds_.pending.reset();
    creds_.rotation_started_at.reset();
    log::error("cannot store the new API key's secret; deleting the new key and keeping the current one",
               {{"new_key_id", fresh.id}, {"error", st.error().message}});
    auto d = co_await keys_.remove(fresh.id);
    note_date(d);
    if (d.outcome != call_outcome::ok && d.outcome != call_outcome::not_found) {
      log::error(
          "cannot delete the new API key; it stays usable until it expires or an administrator deletes it",
          {{"new_key_id", fresh.id}, {"error", d.message}});
    }
    // Creating the key gave the current one an expiry: read it back so the deadline is the service's.
    auto after = co_await keys_.list();
    note_date(after);
    facts_.expires_at = server_now() + std::chrono::hours(48);
    for (const auto& k : after.keys)
      if (creds_.current && k.id == creds_.current->id && k.expires_at) facts_.expires_at = k.expires_at;
    log::error(
        "the current API key now EXPIRES: make the state directory writable (disk space, permissions) "
        "before then; the rotation is retried",
        {{"key_id", creds_.current ? creds_.current->id : ""},
         {"expires_at", time_text(*facts_.expires_at)},
         {"hours_left", hours_of(*facts_.expires_at - server_now())},
         {"state_dir", cfg_.state_dir}});
    last_warning_ = steady::now();
    last_level_ = urgency::error;
    report_key();
    observer_.rotation_failed("cannot store the new key");
    co_return blocked("cannot store the new key (" + st.error().message + ")",
                      cfg_.retry.config_error_backoff);
  }
  have_file_ = true;
  crash_point("after_persist");
  log::info("created and stored a new API key; verifying it", {{"key_id", fresh.id}});
  co_return co_await switch_to_pending();
}

}  // namespace sf::keys
