// Key rotation decisions without I/O: when to rotate and why, how loudly to warn, what to do at start-up.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sf::keys {

// Times are the service's (from its Date header and key list), never the local clock alone.
using sys_time = std::chrono::system_clock::time_point;
using duration = std::chrono::milliseconds;

// A key as this forwarder keeps it. The secret is never logged.
struct key_record {
  std::string id;
  std::string secret;
  std::optional<sys_time> issued_at;  // known for keys we created or saw listed
};

// What the state directory holds (credentials.json).
struct stored_credentials {
  std::optional<key_record> current;   // the key every request uses
  std::optional<key_record> previous;  // the key before it, until deleted (expire_previous: after_verify)
  std::optional<key_record> pending;   // created and stored, not yet verified and switched to
  // Set just before a key is created and cleared once it is stored or the attempt is over: if it is still
  // set at start-up with no pending key, a crash may have left a key whose secret was never stored.
  std::optional<sys_time> rotation_started_at;
  // Set with the switch to a new key when key_rotation.on_rotate is configured, cleared once the program
  // succeeded: while set, the previous key is not deleted and the program is run again (after a restart too).
  bool on_rotate_pending = false;
};

// What the key list says about our key.
struct key_facts {
  bool listed = false;                 // false: not in the list of live keys (or no list was read)
  std::optional<sys_time> issued_at;   // from the list, else from our own records
  std::optional<sys_time> expires_at;  // nullopt: no expiry ("0001-01-01T00:00:00Z") or unknown
};

enum class rotation_reason { none, max_age, expiry_set, forced };
const char* to_string(rotation_reason r);

struct rotation_decision {
  rotation_reason reason = rotation_reason::none;
  std::string why;  // for the log
  bool rotate() const { return reason != rotation_reason::none; }
};

// Rotates when forced, at once when our key has been given an expiry (another key was created, so ours dies
// within two days), and when the key reaches `max_age`. A key whose age is unknown is not rotated for age.
rotation_decision decide_rotation(const key_facts& ours, sys_time server_now, duration max_age, bool forced);

enum class urgency { none, info, warn, error };
const char* to_string(urgency u);

struct warning_plan {
  urgency level = urgency::none;
  duration repeat{0};  // 0: every poll cycle
};

// How loudly to say that the key cannot be rotated, given the time its expiry leaves (nullopt: no known
// expiry). Quiet while rotation works; growing urgency as the expiry nears; every poll cycle at error level
// from 24 h before it.
warning_plan expiry_warning(bool rotation_blocked, std::optional<duration> time_left);

// Whether a warning of `plan` is due, `since_last` after the previous one (nullopt: none given yet).
bool warning_due(const warning_plan& plan, std::optional<duration> since_last);

enum class key_origin { pending, stored, restored, configured };
const char* to_string(key_origin o);

struct key_candidate {
  key_origin origin;
  key_record key;
};

// The keys to try at start-up, in order: a pending key (a crash interrupted a rotation after storing it),
// the stored current key, the restored key (the copy the on_rotate program stored outside state_dir and
// key_rotation.restore_from reads back: what survives a lost volume), then the configured key (it only
// bootstraps, or is an operator's fresh key after the stored one was refused). Each id is tried once.
std::vector<key_candidate> startup_candidates(const std::optional<stored_credentials>& stored,
                                              const std::optional<key_record>& restored,
                                              const key_record& configured);

// The stored state once `winner` is known to work: a pending key is promoted (the old current becomes
// previous), a refused pending key is dropped, the restored or configured key replaces a refused or lost
// stored one.
stored_credentials adopt_key(const std::optional<stored_credentials>& stored, const key_candidate& winner);

// Ids in `listed` that are none of ours: another administrator's key, or one a crash left behind.
std::vector<std::string> unknown_key_ids(const std::vector<std::string>& listed,
                                         const stored_credentials& ours);

}  // namespace sf::keys
