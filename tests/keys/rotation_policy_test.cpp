// Unit tests of the key rotation decisions: when and why to rotate, warning urgency, start-up key choice.
#include "daemon/keys/rotation_policy.hpp"

#include <gtest/gtest.h>

namespace sf::keys {
namespace {

using namespace std::chrono_literals;
const sys_time t0 = sys_time(std::chrono::seconds(1'800'000'000));
constexpr duration week = std::chrono::hours(7 * 24);

TEST(DecideRotation, YoungKeyWithoutExpiryIsKept) {
  key_facts k{true, t0, std::nullopt};
  EXPECT_FALSE(decide_rotation(k, t0 + std::chrono::hours(167), week, false).rotate());
}

TEST(DecideRotation, RotatesAtMaxAgeMeasuredOnTheServiceClock) {
  key_facts k{true, t0, std::nullopt};
  auto d = decide_rotation(k, t0 + week, week, false);
  EXPECT_EQ(d.reason, rotation_reason::max_age);
  EXPECT_NE(d.why.find("168.0h old"), std::string::npos) << d.why;
}

TEST(DecideRotation, AnExpiryOnOurKeyRotatesAtOnceWhateverItsAge) {
  key_facts k{true, t0, t0 + std::chrono::hours(48)};
  auto d = decide_rotation(k, t0 + std::chrono::minutes(1), week, false);
  EXPECT_EQ(d.reason, rotation_reason::expiry_set);
  EXPECT_NE(d.why.find("another key was created"), std::string::npos);
}

TEST(DecideRotation, ForcedAlwaysRotatesAndUnknownAgeNeverDoes) {
  key_facts unknown{false, std::nullopt, std::nullopt};
  EXPECT_EQ(decide_rotation(unknown, t0, week, true).reason, rotation_reason::forced);
  EXPECT_FALSE(decide_rotation(unknown, t0 + std::chrono::hours(24 * 365), week, false).rotate());
}

TEST(ExpiryWarning, QuietWhileRotationWorks) {
  EXPECT_EQ(expiry_warning(false, std::chrono::hours(1)).level, urgency::none);
  EXPECT_FALSE(warning_due(expiry_warning(false, std::chrono::hours(1)), std::nullopt));
}

TEST(ExpiryWarning, GrowsMoreUrgentAsTheExpiryNears) {
  EXPECT_EQ(expiry_warning(true, std::chrono::hours(24 * 30)).level, urgency::info);
  EXPECT_EQ(expiry_warning(true, std::chrono::hours(24 * 5)).level, urgency::warn);
  EXPECT_EQ(expiry_warning(true, std::chrono::hours(24 * 5)).repeat, std::chrono::hours(6));
  EXPECT_EQ(expiry_warning(true, std::chrono::hours(40)).repeat, std::chrono::hours(1));
  auto last_day = expiry_warning(true, std::chrono::hours(24));
  EXPECT_EQ(last_day.level, urgency::error);
  EXPECT_EQ(last_day.repeat, duration(0));
  EXPECT_EQ(expiry_warning(true, -std::chrono::hours(1)).level, urgency::error);
  // No known expiry: a rotation is overdue, not an emergency.
  EXPECT_EQ(expiry_warning(true, std::nullopt).level, urgency::warn);
}

TEST(ExpiryWarning, ErrorLevelRepeatsEveryCycleOthersAtTheirInterval) {
  auto err = expiry_warning(true, std::chrono::hours(3));
  EXPECT_TRUE(warning_due(err, duration(0)));
  auto hourly = expiry_warning(true, std::chrono::hours(40));
  EXPECT_TRUE(warning_due(hourly, std::nullopt));
  EXPECT_FALSE(warning_due(hourly, std::chrono::minutes(59)));
  EXPECT_TRUE(warning_due(hourly, std::chrono::minutes(60)));
}

key_record rec(std::string id) {
  return {id, "s-" + id, std::nullopt};
}

TEST(StartupCandidates, ConfiguredOnlyWithoutAFile) {
  auto c = startup_candidates(std::nullopt, std::nullopt, rec("cfg"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].origin, key_origin::configured);
}

TEST(StartupCandidates, PendingThenStoredThenADifferentConfiguredKey) {
  stored_credentials s;
  s.current = rec("cur");
  s.pending = rec("new");
  auto c = startup_candidates(s, std::nullopt, rec("cfg"));
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].key.id, "new");
  EXPECT_EQ(c[1].key.id, "cur");
  EXPECT_EQ(c[2].key.id, "cfg");
  // The configured key that is also the stored one is tried once.
  EXPECT_EQ(startup_candidates(s, std::nullopt, rec("cur")).size(), 2u);
}

TEST(StartupCandidates, TheRestoredKeyComesAfterStateDirAndBeforeTheConfiguredKey) {
  // A lost volume: only the copy the on_rotate program stored, and the (deleted) bootstrap key.
  auto lost = startup_candidates(std::nullopt, rec("rot"), rec("cfg"));
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_EQ(lost[0].origin, key_origin::restored);
  EXPECT_EQ(lost[0].key.id, "rot");
  EXPECT_EQ(lost[1].origin, key_origin::configured);
  stored_credentials s;
  s.current = rec("cur");
  auto kept = startup_candidates(s, rec("rot"), rec("cfg"));
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].key.id, "cur");
  EXPECT_EQ(kept[1].key.id, "rot");
  // The usual case: the restored copy is the stored key itself; it is tried once.
  EXPECT_EQ(startup_candidates(s, rec("cur"), rec("cfg")).size(), 2u);
}

TEST(AdoptKey, ARestoredKeyBecomesCurrent) {
  auto n = adopt_key(std::nullopt, {key_origin::restored, rec("rot")});
  EXPECT_EQ(n.current->id, "rot");
  EXPECT_FALSE(n.previous);
  EXPECT_FALSE(n.on_rotate_pending);
}

TEST(AdoptKey, PendingIsPromotedAndTheOldKeyKeptAsPrevious) {
  stored_credentials s;
  s.current = rec("cur");
  s.pending = rec("new");
  s.rotation_started_at = t0;
  auto n = adopt_key(s, {key_origin::pending, rec("new")});
  EXPECT_EQ(n.current->id, "new");
  EXPECT_EQ(n.previous->id, "cur");
  EXPECT_FALSE(n.pending);
  EXPECT_FALSE(n.rotation_started_at);
}

TEST(AdoptKey, RefusedPendingIsDroppedAndConfiguredReplacesARefusedStoredKey) {
  stored_credentials s;
  s.current = rec("cur");
  s.previous = rec("old");
  s.pending = rec("new");
  auto kept = adopt_key(s, {key_origin::stored, rec("cur")});
  EXPECT_EQ(kept.current->id, "cur");
  EXPECT_EQ(kept.previous->id, "old");
  EXPECT_FALSE(kept.pending);
  auto fresh = adopt_key(s, {key_origin::configured, rec("cfg")});
  EXPECT_EQ(fresh.current->id, "cfg");
  EXPECT_FALSE(fresh.previous);
  EXPECT_FALSE(fresh.pending);
}

TEST(UnknownKeys, KeysWeDoNotHoldAreListed) {
  stored_credentials s;
  s.current = rec("cur");
  s.previous = rec("old");
  EXPECT_EQ(unknown_key_ids({"old", "cur", "orphan"}, s), std::vector<std::string>{"orphan"});
}

}  // namespace
}  // namespace sf::keys
