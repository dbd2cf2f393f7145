// Key rotation decisions without I/O: when to rotate and why, how loudly to warn, what to do at start-up.
#include "daemon/keys/rotation_policy.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sf::keys {

namespace {

using std::chrono::hours;

std::string hours_text(std::chrono::system_clock::duration d) {
  return fmt::format("{:.1f}h", std::chrono::duration<double, std::ratio<3600>>(d).count());
}

}  // namespace

const char* to_string(rotation_reason r) {
  switch (r) {
    case rotation_reason::max_age:
      return "max_age";
    case rotation_reason::expiry_set:
      return "expiry_set";
    case rotation_reason::forced:
      return "forced";
    default:
      return "none";
  }
}

const char* to_string(urgency u) {
  switch (u) {
    case urgency::info:
      return "info";
    case urgency::warn:
      return "warn";
    case urgency::error:
      return "error";
    default:
      return "none";
  }
}

const char* to_string(key_origin o) {
  switch (o) {
    case key_origin::pending:
      return "pending";
    case key_origin::stored:
      return "stored";
    case key_origin::restored:
      return "restored";
    default:
      return "configured";
  }
}

rotation_decision decide_rotation(const key_facts& ours, sys_time server_now, duration max_age, bool forced) {
  if (forced) return {rotation_reason::forced, "rotation requested"};
  if (ours.expires_at) {
    return {rotation_reason::expiry_set,
            fmt::format("our key has been given an expiry (another key was created); it expires in {}",
                        hours_text(*ours.expires_at - server_now))};
  }
  if (ours.issued_at && server_now - *ours.issued_at >= max_age) {
    return {rotation_reason::max_age,
            fmt::format("our key is {} old (max_age {})", hours_text(server_now - *ours.issued_at),
                        hours_text(max_age))};
  }
  return {};
}

warning_plan expiry_warning(bool rotation_blocked, std::optional<duration> time_left) {
  if (!rotation_blocked) return {};
  // No known expiry: the key keeps working until someone creates another one; a rotation is overdue.
  if (!time_left) return {urgency::warn, hours(6)};
  if (*time_left <= hours(24)) return {urgency::error, duration(0)};
  if (*time_left <= hours(48)) return {urgency::warn, hours(1)};
  if (*time_left <= hours(7 * 24)) return {urgency::warn, hours(6)};
  return {urgency::info, hours(24)};
}

bool warning_due(const warning_plan& plan, std::optional<duration> since_last) {
  if (plan.level == urgency::none) return false;
  return !since_last || *since_last >= plan.repeat;
}

std::vector<key_candidate> startup_candidates(const std::optional<stored_credentials>& stored,
                                              const std::optional<key_record>& restored,
                                              const key_record& configured) {
  std::vector<key_candidate> out;
  auto add = [&](key_origin origin, const key_record& k) {
    const bool already =
        std::any_of(out.begin(), out.end(), [&](const key_candidate& c) { return c.key.id == k.id; });
    if (!already && !k.id.empty()) out.push_back({origin, k});
  };
  if (stored && stored->pending) add(key_origin::pending, *stored->pending);
  if (stored && stored->current) add(key_origin::stored, *stored->current);
  if (restored) add(key_origin::restored, *restored);
  add(key_origin::configured, configured);
  return out;
}

stored_credentials adopt_key(const std::optional<stored_credentials>& stored, const key_candidate& winner) {
  stored_credentials next = stored.value_or(stored_credentials{});
  switch (winner.origin) {
    case key_origin::pending:
      // The rotation got as far as storing the new key: finish it.
      next.previous = next.current;
      next.current = winner.key;
      next.pending.reset();
      next.rotation_started_at.reset();
      break;
    case key_origin::stored:
      next.pending.reset();  // refused or never verified: our current key still works
      break;
    case key_origin::restored:
    case key_origin::configured:
      next.current = winner.key;
      next.previous.reset();  // the refused stored key is of no further use
      next.pending.reset();
      break;
  }
  return next;
}

std::vector<std::string> unknown_key_ids(const std::vector<std::string>& listed,
                                         const stored_credentials& ours) {
  std::vector<std::string> out;
  for (const auto& id : listed) {
    const bool known = (ours.current && ours.current->id == id) ||
                       (ours.previous && ours.previous->id == id) || (ours.pending && ours.pending->id == id);
    if (!known) out.push_back(id);
  }
  return out;
}

}  // namespace sf::keys
