// The audit reader against the scripted ScaleFT fake: paging by Link, short pages, re-minting, 429 pacing,
// authorization_error, lost offsets under each policy, and a stop in the middle of a retry.
#include "tests/source/source_rig.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

namespace sf::source {
namespace {

using test::scaleft_call;
using test::scripted_scaleft;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using clock_type = std::chrono::steady_clock;
using policy = config::source_config::lost_offset_policy;

std::vector<std::string> ids_of(const fetched_page& p) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < p.batch.size(); ++i) out.emplace_back(p.batch.id(i));
  return out;
}

std::vector<std::string> targets(const test::scripted_scaleft& fake) {
  std::vector<std::string> out;
  for (const auto& r : fake.requests(scaleft_call::audits)) out.push_back(r.target);
  return out;
}

TEST(AuditReader, FollowsNextLinksPageByPageInOrder) {
  test::source_rig rig;
  const std::string second = rig.fake.team_path("/auditsV2?count=3&offset=evt-2");
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 3), second))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(3, 2)));
  auto first = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  ASSERT_TRUE(first);
  EXPECT_THAT(ids_of(*first), ElementsAre("evt-0", "evt-1", "evt-2"));
  ASSERT_TRUE(first->next_target);
  EXPECT_EQ(*first->next_target, second);
  auto next = test::run(rig.io, rig.reader->fetch(*first->next_target));
  ASSERT_TRUE(next);
  EXPECT_THAT(ids_of(*next), ElementsAre("evt-3", "evt-4"));
  // A short page without a link: no next target, the caller goes on from the last id (only an empty page
  // is the end).
  EXPECT_FALSE(next->next_target);
  EXPECT_EQ(rig.reader->page_target("evt-4"), "/v1/teams/acme/auditsV2?count=3&offset=evt-4");
  EXPECT_THAT(targets(rig.fake), ElementsAre("/v1/teams/acme/auditsV2?count=3", second));
  EXPECT_EQ(rig.reader->stats().pages, 2u);
  EXPECT_EQ(rig.reader->stats().retries, 0u);
}

// Once caught up, the forwarder frees the parser's and renderer's page-sized buffers; the next pages parse
// and render as before (the buffers are allocated again).
TEST(AuditReader, PagesAfterTheBuffersAreReleasedRenderTheSame) {
  test::source_rig rig;
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 3)))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 3)));
  auto before = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  ASSERT_TRUE(before);
  rig.reader->release_page_buffers();
  rig.reader->release_page_buffers();  // twice in a row, as an idle forwarder never does, is harmless
  auto after = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  ASSERT_TRUE(after);
  ASSERT_EQ(after->batch.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    // event.created is the read time, so compare the documents without it.
    auto without_created = [](std::string_view d) {
      std::string s(d);
      const auto at = s.find("\"created\":\"");
      if (at != std::string::npos) s.erase(at, s.find('"', at + 11) - at + 1);
      return s;
    };
    EXPECT_EQ(without_created(after->batch.document(i)), without_created(before->batch.document(i)));
    EXPECT_EQ(after->batch.event_members(i), before->batch.event_members(i));
  }
}

TEST(AuditReader, ALinkToAnotherOriginIsNotFollowed) {
  test::source_rig rig;
  rig.fake.then(scaleft_call::audits,
                scripted_scaleft::page(scripted_scaleft::events(0, 3),
                                       "https://elsewhere.example/v1/teams/acme/auditsV2"));
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), 3u);
  EXPECT_FALSE(page->next_target);  // our bearer token never goes to another host
}

TEST(AuditReader, A401IsCuredByANewTokenWithoutARetry) {
  test::source_rig rig;
  rig.fake
      .then(scaleft_call::audits,
            scripted_scaleft::error(401, "authentication_error", "Authentication token expired"))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 2)));
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), 2u);
  EXPECT_EQ(rig.fake.count(scaleft_call::token), 2u);
  EXPECT_EQ(rig.reader->stats().retries, 0u);
}

TEST(AuditReader, A429WaitsForRetryAfterThenFetchesThePage) {
  test::source_rig rig;
  auto limited = scripted_scaleft::error(429, "too_many_requests", "rate limited");
  limited.headers.emplace_back("Retry-After", "1");
  rig.fake.then(scaleft_call::audits, limited)
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 1)));
  const auto t0 = clock_type::now();
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  const auto took = clock_type::now() - t0;
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), 1u);
  EXPECT_GE(took, std::chrono::milliseconds(900));  // the server's second, not the 10 ms backoff
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(rig.reader->stats().retries, 1u);
  EXPECT_EQ(rig.fake.count(scaleft_call::audits), 2u);
}

TEST(AuditReader, TransientErrorsAndMalformedPagesAreFetchedAgain) {
  test::source_rig rig;
  test::scripted_response torn;
  torn.body = R"({"list":[{"id":"evt-0")";
  rig.fake.then(scaleft_call::audits, scripted_scaleft::error(503, "service_offline", "down"))
      .then(scaleft_call::audits, torn)
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 1)));
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), 1u);
  EXPECT_EQ(rig.reader->stats().retries, 2u);
  EXPECT_EQ(rig.reader->stats().malformed_pages, 1u);
}

TEST(AuditReader, AuthorizationErrorIsReportedAsAPermissionProblemUntilAPageArrives) {
  test::source_rig rig;
  std::vector<std::string> reasons;
  rig.reader->on_source_problem = [&](std::string_view r) { reasons.emplace_back(r); };
  for (int i = 0; i < 2; ++i)
    rig.fake.then(scaleft_call::audits,
                  scripted_scaleft::error(401, "authorization_error", "User doesn't have permissions"));
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(0, 1)));
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  ASSERT_TRUE(page);
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_THAT(reasons[0], HasSubstr("permission problem"));
  EXPECT_THAT(reasons[0], HasSubstr("reporting_user"));
  EXPECT_EQ(reasons[1], "");  // cleared by the page
  EXPECT_EQ(rig.reader->stats().retries, 1u);
}

TEST(AuditReader, ARefusedKeyIsReportedAsNotAuthenticated) {
  test::source_rig rig;
  std::vector<std::string> reasons;
  rig.reader->on_source_problem = [&](std::string_view r) { reasons.emplace_back(r); };
  rig.fake.then(scaleft_call::token, scripted_scaleft::error(401, "authentication_error", "invalid key"));
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("")));
  ASSERT_TRUE(page);
  ASSERT_FALSE(reasons.empty());
  EXPECT_THAT(reasons[0], HasSubstr("not authenticated"));
  EXPECT_EQ(rig.fake.count(scaleft_call::token), 2u);
}

TEST(AuditReader, ALostOffsetStopsWithAMessageNamingIt) {
  test::source_rig rig;
  int lost = 0;
  rig.reader->on_lost_offset = [&] { ++lost; };
  rig.fake.then(scaleft_call::audits, scripted_scaleft::error(400, "invalid_request", "bad offset"))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(100, 1)));  // the probe
  rig.reader->remember_position("evt-9", "2026-11-01T00:00:09Z");
  try {
    (void)test::run(rig.io, rig.reader->fetch(rig.reader->page_target("evt-9")));
    FAIL() << "a lost offset under on_lost_offset: stop must throw";
  } catch (const lost_offset_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("refuses offset evt-9"));
    EXPECT_THAT(e.what(), HasSubstr("from 2026-11-01T00:00:09Z"));
    EXPECT_THAT(e.what(), HasSubstr("source.on_lost_offset"));
  }
  EXPECT_EQ(lost, 1);
  EXPECT_EQ(rig.reader->stats().lost_offsets, 1u);
  EXPECT_THAT(targets(rig.fake),
              ElementsAre("/v1/teams/acme/auditsV2?count=3&offset=evt-9", "/v1/teams/acme/auditsV2?count=1"));
}

TEST(AuditReader, ALostOffsetUnderOldestResumesAtTheOldestEvent) {
  test::source_rig rig;
  rig.source.on_lost_offset = policy::oldest;
  rig.fake.then(scaleft_call::audits, scripted_scaleft::error(400, "invalid_request", "bad offset"))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(100, 1)))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(100, 3)));
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("evt-9")));
  ASSERT_TRUE(page);
  EXPECT_THAT(ids_of(*page), ElementsAre("evt-100", "evt-101", "evt-102"));
  EXPECT_EQ(rig.reader->stats().lost_offsets, 1u);
  EXPECT_EQ(targets(rig.fake).back(), "/v1/teams/acme/auditsV2?count=3");
}

TEST(AuditReader, ALostOffsetUnderNewestReturnsTheNewestEventWithoutItsLink) {
  test::source_rig rig;
  rig.source.on_lost_offset = policy::newest;
  rig.fake.then(scaleft_call::audits, scripted_scaleft::error(400, "invalid_request", "bad offset"))
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(100, 1)))
      .then(scaleft_call::audits,
            scripted_scaleft::page(scripted_scaleft::events(500, 1),
                                   "/v1/teams/acme/auditsV2?count=1&offset=evt-500&descending=true"));
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("evt-9")));
  ASSERT_TRUE(page);
  EXPECT_THAT(ids_of(*page), ElementsAre("evt-500"));
  EXPECT_FALSE(page->next_target);  // newest-first links are not the way on
  EXPECT_EQ(targets(rig.fake).back(), "/v1/teams/acme/auditsV2?count=1&descending=true");
}

TEST(AuditReader, A400ThatIsNotAboutTheOffsetIsAConfigurationProblem) {
  test::source_rig rig;
  std::vector<std::string> reasons;
  rig.reader->on_source_problem = [&](std::string_view r) { reasons.emplace_back(r); };
  rig.fake.then(scaleft_call::audits, scripted_scaleft::error(400, "invalid_request", "bad request"))
      .then(scaleft_call::audits, scripted_scaleft::error(400, "invalid_request", "bad request"))  // probe
      .then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(10, 1)));
  auto page = test::run(rig.io, rig.reader->fetch(rig.reader->page_target("evt-9")));
  ASSERT_TRUE(page);
  EXPECT_EQ(rig.reader->stats().lost_offsets, 0u);
  ASSERT_FALSE(reasons.empty());
  EXPECT_THAT(reasons[0], HasSubstr("HTTP 400"));
}

TEST(AuditReader, AStopDuringARetryEndsTheFetchWithNothing) {
  test::source_rig rig;
  rig.retry.initial_backoff = std::chrono::seconds(30);
  rig.retry.max_backoff = std::chrono::seconds(30);
  rig.fake.then(scaleft_call::audits, scripted_scaleft::error(503, "service_offline", "down"));
  const auto t0 = clock_type::now();
  auto page = test::run_stopped_after(rig.io, rig.reader->fetch(rig.reader->page_target("")),
                                      std::chrono::milliseconds(200));
  EXPECT_FALSE(page && *page);
  EXPECT_LT(clock_type::now() - t0, std::chrono::seconds(5));
}

TEST(AuditReader, StartAtNewestBeginsAfterTheNewestEvent) {
  test::source_rig rig;
  rig.source.start_at.what = config::start_position::kind::newest;
  rig.fake.then(scaleft_call::audits, scripted_scaleft::page(scripted_scaleft::events(41, 1)));
  auto start = test::run(rig.io, rig.reader->resolve_start());
  ASSERT_TRUE(start);
  EXPECT_EQ(*start, "evt-41");
  EXPECT_THAT(targets(rig.fake), ElementsAre("/v1/teams/acme/auditsV2?count=1&descending=true"));
}

}  // namespace
}  // namespace sf::source
