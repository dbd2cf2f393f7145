// The API wrapper against the scripted ScaleFT fake: one token for many calls, a new one on 401 (once),
// authorization_error, a refused key replaced by the key on record.
#include "tests/source/source_rig.hpp"

#include "daemon/runtime/cancellation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sf::source {
namespace {

using test::scaleft_call;
using test::scripted_scaleft;
using ::testing::HasSubstr;

TEST(ScaleftApi, MintsOneTokenAndSendsItAsBearerOnEveryCall) {
  test::source_rig rig;
  const std::string target = rig.api->team_path("/auditsV2?count=1");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(test::run(rig.io, rig.api->get(target)).status(), 200u);
  ASSERT_EQ(rig.fake.count(scaleft_call::token), 1u);
  const auto mint = rig.fake.requests(scaleft_call::token).front();
  EXPECT_EQ(mint.target, "/v1/teams/acme/service_token");
  EXPECT_EQ(mint.body, R"({"key_id":"key-1","key_secret":"secret-1"})");
  EXPECT_EQ(mint.authorization, "");  // minting needs no token
  const auto calls = rig.fake.requests(scaleft_call::audits);
  ASSERT_EQ(calls.size(), 3u);
  for (const auto& c : calls) EXPECT_EQ(c.authorization, "Bearer token-1");
  EXPECT_EQ(rig.api->tokens_minted(), 1u);
}

TEST(ScaleftApi, A401MintsANewTokenAndSendsTheRequestOnceMore) {
  test::source_rig rig;
  rig.fake
      .then(scaleft_call::audits,
            scripted_scaleft::error(401, "authentication_error", "Authentication token expired"))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 1)));
  const auto r = test::run(rig.io, rig.api->get(rig.api->team_path("/auditsV2?count=1")));
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.fresh_token_refused);
  const auto calls = rig.fake.requests(scaleft_call::audits);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].authorization, "Bearer token-1");
  EXPECT_EQ(calls[1].authorization, "Bearer token-2");
  EXPECT_EQ(rig.fake.count(scaleft_call::token), 2u);
}

TEST(ScaleftApi, A401OnAFreshTokenIsAPermissionProblemNotRetriedAgain) {
  test::source_rig rig;
  for (int i = 0; i < 2; ++i)
    rig.fake.then(scaleft_call::audits,
                  scripted_scaleft::error(401, "authorization_error", "User doesn't have permissions"));
  const auto r = test::run(rig.io, rig.api->get(rig.api->team_path("/auditsV2?count=1")));
  EXPECT_EQ(r.status(), 401u);
  EXPECT_TRUE(r.fresh_token_refused);
  EXPECT_FALSE(r.from_token_mint);
  EXPECT_EQ(rig.fake.count(scaleft_call::audits), 2u);  // one new token, no more
  EXPECT_EQ(rig.fake.count(scaleft_call::token), 2u);
}

TEST(ScaleftApi, ARefusedKeyIsReplacedByTheKeyOnRecordOnce) {
  test::source_rig rig;
  int reloads = 0;
  rig.api->reload_key = [&]() -> std::optional<api_key> {
    ++reloads;
    return api_key{"key-2", "secret-2"};
  };
  rig.fake.then(scaleft_call::token, scripted_scaleft::error(401, "authentication_error", "invalid key"));
  const auto r = test::run(rig.io, rig.api->get(rig.api->team_path("/auditsV2?count=1")));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(reloads, 1);
  EXPECT_EQ(rig.api->key().id, "key-2");
  const auto mints = rig.fake.requests(scaleft_call::token);
  ASSERT_EQ(mints.size(), 2u);
  EXPECT_THAT(mints[0].body, HasSubstr("\"key_id\":\"key-1\""));
  EXPECT_THAT(mints[1].body, HasSubstr("\"key_id\":\"key-2\""));
}

TEST(ScaleftApi, ARefusedKeyWithNoOtherOnRecordIsAMintFailure) {
  test::source_rig rig;
  rig.api->reload_key = []() -> std::optional<api_key> { return api_key{"key-1", "secret-1"}; };  // the same
  rig.fake.then(scaleft_call::token, scripted_scaleft::error(401, "authentication_error", "invalid key"));
  const auto r = test::run(rig.io, rig.api->get(rig.api->team_path("/auditsV2?count=1")));
  EXPECT_EQ(r.status(), 401u);
  EXPECT_TRUE(r.from_token_mint);
  EXPECT_EQ(rig.fake.count(scaleft_call::audits), 0u);  // nothing was sent without a token
  EXPECT_FALSE(rig.api->has_token());
}

TEST(ScaleftApi, ATokenCloseToItsExpiryIsReplacedBeforeTheCall) {
  test::source_rig rig;
  // One second of life: replaced once less than a quarter of it (250 ms) is left.
  rig.fake.then(scaleft_call::token, scripted_scaleft::token("short-lived", std::chrono::seconds(1)));
  const std::string target = rig.api->team_path("/auditsV2?count=1");
  EXPECT_TRUE(test::run(rig.io, rig.api->get(target)).ok());
  ASSERT_TRUE(test::run(rig.io, runtime::sleep(std::chrono::milliseconds(900))));
  EXPECT_TRUE(test::run(rig.io, rig.api->get(target)).ok());
  const auto calls = rig.fake.requests(scaleft_call::audits);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].authorization, "Bearer short-lived");
  EXPECT_EQ(calls[1].authorization, "Bearer token-1");  // the fake's next (default) token
}

}  // namespace
}  // namespace sf::source
