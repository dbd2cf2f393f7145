// The key manager against the scripted ScaleFT fake: a rotation that works, one refused, a new key refused
// when verified, the start-up paths a crash leaves (pending key, refused pending key, unreadable file), the
// on_rotate program, and the periodic check.
#include "common/time/rfc3339.hpp"
#include "daemon/keys/credentials_store.hpp"
#include "daemon/keys/key_manager.hpp"
#include "daemon/source/source_client.hpp"
#include "tests/support/run_bounded.hpp"
#include "tests/support/stop_after.hpp"
#include "tests/support/scripted_scaleft.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>

#include <fstream>
#include <sstream>

namespace sf::keys {
namespace {

using test::scaleft_call;
using test::scripted_key;
using test::scripted_scaleft;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string days_ago(int days) {
  return time::format_rfc3339(std::chrono::system_clock::now() - std::chrono::hours(24 * days), 0);
}

// One key manager with its state directory, the forwarder's own API object beside it (whose key it
// switches) and fast retries.
// What the key manager reported, as telemetry would hear it.
struct recorded_key_events final : key_observer {
  void key_in_use(std::string_view id, std::optional<sys_time>, std::optional<sys_time>) override {
    key_id = std::string(id);
  }
  void rotation_succeeded() override { ++rotations; }
  void rotation_failed(std::string_view reason) override { failures.emplace_back(reason); }
  void on_rotate_failed(std::string_view problem) override {
    ++on_rotate_failures;
    on_rotate_problem = std::string(problem);
  }
  void on_rotate_recovered() override { on_rotate_problem.clear(); }
  std::string key_id;
  unsigned rotations = 0;
  std::vector<std::string> failures;
  unsigned on_rotate_failures = 0;
  std::string on_rotate_problem;
};

class key_manager_component : public ::testing::Test {
 protected:
  key_manager_component() : fake_(io_) {
    cfg_.source.url = fake_.url();
    cfg_.source.team = fake_.team();
    cfg_.source.service_user = "log-forwarder";
    cfg_.source.key_id = "key-1";
    cfg_.source.key_secret.value = "secret-1";
    cfg_.source.poll_interval = std::chrono::milliseconds(100);
    cfg_.source.request_timeout = std::chrono::seconds(5);
    cfg_.state_dir = state_.path().string();
    cfg_.retry.initial_backoff = std::chrono::milliseconds(10);
    cfg_.retry.max_backoff = std::chrono::milliseconds(50);
    cfg_.retry.config_error_backoff = std::chrono::milliseconds(50);
    cfg_.key_rotation.enabled = true;
  }

  // Built after the test has set cfg_ (on_rotate, expire_previous).
  key_manager& manager() {
    if (!manager_) {
      client_ = std::make_unique<http::client>(io_.get_executor(), source::source_url(cfg_.source),
                                               source::source_client_options(cfg_.source));
      api_ = std::make_unique<source::scaleft_api>(
          *client_, cfg_.source.team, source::api_key{cfg_.source.key_id, cfg_.source.key_secret.value});
      manager_ = std::make_unique<key_manager>(io_.get_executor(), cfg_, *api_, events_);
    }
    return *manager_;
  }

  // The service's side of one rotation: key-1 listed, issued `age_days` ago; key-2 created with its secret;
  // with `answer_delete`, the DELETE of the previous key answered 204.
  void script_rotation(int age_days = 1, bool answer_delete = true) {
    fake_.then(scaleft_call::list_keys, scripted_scaleft::key_list({{"key-1", days_ago(age_days)}}))
        .then(scaleft_call::create_key, scripted_scaleft::created_key({"key-2", days_ago(0)}, "secret-2"));
    if (answer_delete) fake_.then(scaleft_call::delete_key, scripted_scaleft::no_content());
  }

  stored_credentials on_disk() const {
    auto loaded = credentials_store(state_.path()).load();
    EXPECT_EQ(loaded.what, loaded_credentials::kind::loaded) << loaded.message;
    return loaded.value;
  }

  std::vector<std::string> calls() const {
    std::vector<std::string> out;
    for (const auto& r : fake_.requests()) out.push_back(r.method + " " + r.target);
    return out;
  }

  boost::asio::io_context io_;
  scripted_scaleft fake_;
  test::temp_dir state_{"sf-key-manager"};
  config::forwarder_config cfg_;
  recorded_key_events events_;
  std::unique_ptr<http::client> client_;
  std::unique_ptr<source::scaleft_api> api_;
  std::unique_ptr<key_manager> manager_;
};

const std::string keys_path = "/v1/teams/acme/service_users/log-forwarder/keys";

TEST_F(key_manager_component, ARotationCreatesVerifiesSwitchesAndDeletesThePreviousKey) {
  script_rotation();
  test::run(io_, manager().start());
  const rotation_result r = test::run(io_, manager().rotate_now());
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "rotated to key key-2");
  EXPECT_EQ(events_.rotations, 1u);  // telemetry hears of it as it happens
  EXPECT_EQ(events_.key_id, "key-2");
  EXPECT_EQ(api_->key().id, "key-2");  // the forwarder's requests now use the new key
  // Key calls use a token of the key in use: one minted from key-2 after the switch deletes key-1.
  EXPECT_THAT(calls(),
              ElementsAre("POST /v1/teams/acme/service_token", "GET " + keys_path, "POST " + keys_path,
                          "POST /v1/teams/acme/service_token", "GET /v1/teams/acme/auditsV2?count=1",
                          "POST /v1/teams/acme/service_token", "DELETE " + keys_path + "/key-1"));
  // The probe of the new key used a token minted from it.
  const auto mints = fake_.requests(scaleft_call::token);
  EXPECT_THAT(mints[1].body, HasSubstr("\"key_id\":\"key-2\",\"key_secret\":\"secret-2\""));
  const auto stored = on_disk();
  ASSERT_TRUE(stored.current);
  EXPECT_EQ(stored.current->id, "key-2");
  EXPECT_EQ(stored.current->secret, "secret-2");
  EXPECT_FALSE(stored.previous);  // deleted, then forgotten
  EXPECT_FALSE(stored.pending);
  EXPECT_FALSE(stored.rotation_started_at);
}

TEST_F(key_manager_component, ARefusedCreationKeepsTheKeyAndSaysWhichRoleIsMissing) {
  fake_.then(scaleft_call::list_keys, scripted_scaleft::key_list({{"key-1", days_ago(1)}}))
      .then(scaleft_call::create_key, scripted_scaleft::error(403, "forbidden_error", "no access_admin"));
  test::run(io_, manager().start());
  const rotation_result r = test::run(io_, manager().rotate_now());
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, HasSubstr("needs role access_admin"));
  EXPECT_EQ(api_->key().id, "key-1");
  // The answer (with its Date) proves no key was made: the note of a rotation in progress is cleared.
  const auto stored = on_disk();
  EXPECT_FALSE(stored.rotation_started_at);
  EXPECT_FALSE(stored.pending);
  EXPECT_EQ(fake_.count(scaleft_call::delete_key), 0u);
}

TEST_F(key_manager_component, ANewKeyRefusedWhenVerifiedIsDeletedAndTheOldOneKept) {
  script_rotation();  // the DELETE answered is that of the refused new key
  // The first token is the key calls' (key-1); the second, minted from the new key, is refused.
  fake_.then(scaleft_call::token, scripted_scaleft::token("admin-token"))
      .then(scaleft_call::token, scripted_scaleft::error(401, "authentication_error", "invalid key"));
  test::run(io_, manager().start());
  const rotation_result r = test::run(io_, manager().rotate_now());
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, HasSubstr("refused when verified"));
  EXPECT_EQ(api_->key().id, "key-1");
  const auto deletes = fake_.requests(scaleft_call::delete_key);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].target, keys_path + "/key-2");
  const auto stored = on_disk();
  EXPECT_FALSE(stored.pending);
  EXPECT_EQ(stored.current ? stored.current->id : "", "key-1");
}

TEST_F(key_manager_component, AtStartAPendingKeyACrashLeftIsVerifiedAndSwitchedTo) {
  stored_credentials left;
  left.current = key_record{"key-1", "secret-1", std::nullopt};
  left.pending = key_record{"key-2", "secret-2", std::nullopt};
  left.rotation_started_at = std::chrono::system_clock::now();
  ASSERT_TRUE(credentials_store(state_.path()).save(left).ok());
  test::run(io_, manager().start());
  EXPECT_EQ(api_->key().id, "key-2");
  const auto mints = fake_.requests(scaleft_call::token);
  ASSERT_EQ(mints.size(), 1u);  // the pending key was tried first and worked
  EXPECT_THAT(mints[0].body, HasSubstr("\"key_id\":\"key-2\""));
  const auto stored = on_disk();
  EXPECT_EQ(stored.current ? stored.current->id : "", "key-2");
  EXPECT_EQ(stored.previous ? stored.previous->id : "", "key-1");
  EXPECT_FALSE(stored.pending);
}

TEST_F(key_manager_component, AtStartAPendingKeyTheServiceRefusesIsDropped) {
  stored_credentials left;
  left.current = key_record{"key-1", "secret-1", std::nullopt};
  left.pending = key_record{"key-2", "secret-2", std::nullopt};
  ASSERT_TRUE(credentials_store(state_.path()).save(left).ok());
  fake_.then(scaleft_call::token, scripted_scaleft::error(401, "authentication_error", "invalid key"));
  test::run(io_, manager().start());
  EXPECT_EQ(api_->key().id, "key-1");
  const auto stored = on_disk();
  EXPECT_EQ(stored.current ? stored.current->id : "", "key-1");
  EXPECT_FALSE(stored.pending);
}

TEST_F(key_manager_component, AtStartAnUnreadableCredentialsFileIsAStartUpError) {
  std::ofstream(state_ / "credentials.json") << "{not json";
  try {
    test::run(io_, manager().start());
    FAIL() << "a corrupt credentials.json must stop the start";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("credentials.json"));
    EXPECT_THAT(e.what(), HasSubstr("move it away"));
  }
  EXPECT_TRUE(fake_.requests().empty());  // nothing was sent with a key of unknown standing
}

TEST_F(key_manager_component, OnRotateStoresTheNewKeyBeforeThePreviousIsDeleted) {
  const std::string out = (state_ / "stored-key.json").string();
  cfg_.key_rotation.on_rotate = {"/bin/sh", "-c", "cat > '" + out + "'"};
  script_rotation();
  test::run(io_, manager().start());
  const rotation_result r = test::run(io_, manager().rotate_now());
  EXPECT_TRUE(r.ok) << r.message;
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("\"key_id\":\"key-2\""));
  EXPECT_THAT(text.str(), HasSubstr("\"previous_key_id\":\"key-1\""));
  EXPECT_EQ(fake_.count(scaleft_call::delete_key), 1u);
  EXPECT_EQ(events_.on_rotate_failures, 0u);
  EXPECT_FALSE(on_disk().on_rotate_pending);
}

TEST_F(key_manager_component, AFailingOnRotateKeepsThePreviousKey) {
  cfg_.key_rotation.on_rotate = {"/bin/sh", "-c", "cat > /dev/null; exit 3"};
  script_rotation(1, false);
  test::run(io_, manager().start());
  const rotation_result r = test::run(io_, manager().rotate_now());
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, HasSubstr("rotated to key key-2, but"));
  EXPECT_THAT(events_.on_rotate_problem, HasSubstr("exited with status 3"));
  EXPECT_EQ(events_.on_rotate_failures, 1u);
  EXPECT_EQ(api_->key().id, "key-2");  // the switch stands
  EXPECT_EQ(fake_.count(scaleft_call::delete_key), 0u);
  const auto stored = on_disk();
  EXPECT_TRUE(stored.on_rotate_pending);  // run again at the next check, after a restart too
  EXPECT_EQ(stored.previous ? stored.previous->id : "", "key-1");
}

TEST_F(key_manager_component, ThePeriodicCheckRotatesAKeyOlderThanMaxAge) {
  cfg_.key_rotation.max_age = std::chrono::hours(24 * 7);
  script_rotation(8);
  test::run(io_, manager().start());
  test::run_stopped_after(io_, manager().run(), std::chrono::milliseconds(800));
  EXPECT_EQ(api_->key().id, "key-2");
  EXPECT_EQ(fake_.count(scaleft_call::create_key), 1u);
  EXPECT_EQ(on_disk().current->id, "key-2");
}

TEST_F(key_manager_component, ThePeriodicCheckLeavesAYoungKeyAlone) {
  fake_.then(scaleft_call::list_keys, scripted_scaleft::key_list({{"key-1", days_ago(1)}}));
  test::run(io_, manager().start());
  test::run_stopped_after(io_, manager().run(), std::chrono::milliseconds(300));
  EXPECT_EQ(api_->key().id, "key-1");
  EXPECT_EQ(fake_.count(scaleft_call::list_keys), 1u);  // the next check is a second away
  EXPECT_EQ(fake_.count(scaleft_call::create_key), 0u);
}

}  // namespace
}  // namespace sf::keys
