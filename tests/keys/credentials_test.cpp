// Unit tests of credentials.json (round trip, refusals, 0600, atomic save failures) and key API parsing.
#include "daemon/keys/credentials_store.hpp"
#include "daemon/keys/key_api.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sf::keys {
namespace {

const sys_time t0 = sys_time(std::chrono::seconds(1'800'000'000));

TEST(Credentials, RoundTripKeepsEveryKeyAndTime) {
  stored_credentials c;
  c.current = key_record{"id-cur", "sec\"ret/1", t0};
  c.previous = key_record{"id-old", "s2", std::nullopt};
  c.rotation_started_at = t0 + std::chrono::seconds(5);
  std::string why;
  auto back = parse_credentials(serialize_credentials(c), why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->current->secret, "sec\"ret/1");
  EXPECT_EQ(back->current->issued_at, t0);
  EXPECT_EQ(back->previous->id, "id-old");
  EXPECT_FALSE(back->previous->issued_at);
  EXPECT_FALSE(back->pending);
  EXPECT_EQ(back->rotation_started_at, t0 + std::chrono::seconds(5));
}

TEST(Credentials, TheOnRotateFlagRoundTripsAndIsFalseInOlderFiles) {
  stored_credentials c;
  c.current = key_record{"id-cur", "s1", t0};
  c.on_rotate_pending = true;
  std::string why;
  auto back = parse_credentials(serialize_credentials(c), why);
  ASSERT_TRUE(back) << why;
  EXPECT_TRUE(back->on_rotate_pending);
  auto old = parse_credentials("{\"version\": 1, \"current\": {\"id\": \"a\", \"secret\": \"b\"}}", why);
  ASSERT_TRUE(old) << why;
  EXPECT_FALSE(old->on_rotate_pending);
  EXPECT_FALSE(parse_credentials(
      "{\"version\": 1, \"current\": {\"id\": \"a\", \"secret\": \"b\"}, \"on_rotate_pending\": 1}", why));
  EXPECT_EQ(why, "on_rotate_pending is not true or false");
}

TEST(Credentials, EditedFilesAreRefusedWithAReason) {
  std::string why;
  EXPECT_FALSE(parse_credentials("{\"version\": 2, \"current\": null}", why));
  EXPECT_EQ(why, "version is not 1");
  EXPECT_FALSE(parse_credentials("{\"version\": 1, \"current\": {\"id\": \"x\"}}", why));
  EXPECT_NE(why.find("current"), std::string::npos);
  EXPECT_FALSE(parse_credentials("{\"version\": 1, \"current\": null}", why));
  EXPECT_EQ(why, "holds no key");
  EXPECT_FALSE(parse_credentials("not json", why));
}

class StoreTest : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("SF_TEST_FAIL_WRITES"); }
  sf::test::temp_dir tmp_{"sf-keys"};
  std::filesystem::path dir_ = tmp_.path();
};

TEST_F(StoreTest, MissingFileThenSavedWithMode0600) {
  credentials_store store(dir_);
  EXPECT_EQ(store.load().what, loaded_credentials::kind::missing);
  stored_credentials c;
  c.current = key_record{"k1", "secret-1", t0};
  ASSERT_TRUE(store.save(c).ok());
  struct stat st {};
  ASSERT_EQ(::stat(store.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = store.load();
  ASSERT_EQ(loaded.what, loaded_credentials::kind::loaded);
  EXPECT_EQ(loaded.value.current->secret, "secret-1");
}

TEST_F(StoreTest, CorruptFileIsInvalidNotMissing) {
  std::ofstream(dir_ / "credentials.json") << "{\"version\": 1";
  auto loaded = credentials_store(dir_).load();
  EXPECT_EQ(loaded.what, loaded_credentials::kind::invalid);
  EXPECT_NE(loaded.message.find("credentials.json"), std::string::npos);
}

TEST_F(StoreTest, AFailedSaveLeavesThePreviousContent) {
#ifndef SF_TEST_HOOKS
  GTEST_FAIL() << "built without SF_TEST_HOOKS: reconfigure with -DSF_TEST_HOOKS=ON";
#endif
  credentials_store store(dir_);
  stored_credentials c;
  c.current = key_record{"k1", "secret-1", t0};
  ASSERT_TRUE(store.save(c).ok());
  ::setenv("SF_TEST_FAIL_WRITES", "credentials.json", 1);
  c.pending = key_record{"k2", "secret-2", t0};
  auto st = store.save(c);
  EXPECT_FALSE(st.ok());
  ::unsetenv("SF_TEST_FAIL_WRITES");
  auto loaded = store.load();
  ASSERT_EQ(loaded.what, loaded_credentials::kind::loaded);
  EXPECT_FALSE(loaded.value.pending);
}

TEST_F(StoreTest, RotationLockIsExclusive) {
  rotation_lock first(dir_);
  ASSERT_TRUE(first.held()) << first.error();
  // flock locks belong to the open file description: a second open in the same process is refused too.
  rotation_lock second(dir_);
  EXPECT_FALSE(second.held());
  EXPECT_NE(second.error().find("another process"), std::string::npos);
}

TEST(KeyApiParsing, KeyListWithNoExpirySentinelAndTimes) {
  std::string why;
  auto keys = parse_key_list(
      R"({"list":[{"id":"a","issued_at":"2027-01-15T08:00:00.5Z","expires_at":"0001-01-01T00:00:00Z","last_used":null},)"
      R"({"id":"b","issued_at":"2027-01-16T08:00:00Z","expires_at":"2027-01-18T08:00:00Z","last_used":"2027-01-16T09:00:00Z"}]})",
      why);
  ASSERT_TRUE(keys) << why;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_FALSE((*keys)[0].expires_at);
  ASSERT_TRUE((*keys)[1].expires_at);
  EXPECT_EQ(*(*keys)[1].expires_at - *(*keys)[1].issued_at, std::chrono::hours(48));
  EXPECT_FALSE(parse_key_list(R"({"list":[{"id":"a","expires_at":"soon"}]})", why));
  EXPECT_FALSE(parse_key_list(R"({"keys":[]})", why));
}

TEST(KeyApiParsing, CreatedKeyNeedsItsSecret) {
  std::string why;
  auto k = parse_created_key(
      R"({"id":"n","issued_at":"2027-01-15T08:00:00Z","expires_at":"0001-01-01T00:00:00Z","last_used":null,"secret":"zz"})",
      why);
  ASSERT_TRUE(k) << why;
  EXPECT_EQ(k->secret, "zz");
  EXPECT_TRUE(k->issued_at);
  EXPECT_FALSE(parse_created_key(R"({"id":"n","expires_at":"0001-01-01T00:00:00Z"})", why));
}

}  // namespace
}  // namespace sf::keys
