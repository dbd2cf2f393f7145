// Unit tests of the backfill's pure parts: window edges, filtering, progress and ETA, request bounds,
// direction choice, progress-file naming and text.
#include "common/time/rfc3339.hpp"
#include "daemon/backfill/progress_file.hpp"
#include "daemon/backfill/report.hpp"
#include "daemon/backfill/window.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

namespace sf::backfill {
namespace {

std::int64_t t(const char* s) {
  return *time::parse_rfc3339_ns(s);
}

audit::event_batch batch_of(std::initializer_list<std::pair<const char*, const char*>> events) {
  audit::event_batch b;
  for (auto [id, ts] : events) b.add(id, ts, std::string("{\"id\":\"") + id + "\"}");
  return b;
}

std::vector<std::string> ids(const audit::event_batch& b) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < b.size(); ++i) out.emplace_back(b.id(i));
  return out;
}

TEST(BackfillWindow, SinceIsInUntilIsOut) {
  const time_window w{t("2024-01-01T00:00:00Z"), t("2024-01-02T00:00:00Z")};
  EXPECT_EQ(locate(w, t("2024-01-01T00:00:00Z")), place::inside);
  EXPECT_EQ(locate(w, t("2023-12-31T23:59:59.999999999Z")), place::before);
  EXPECT_EQ(locate(w, t("2024-01-01T23:59:59.999999999Z")), place::inside);
  EXPECT_EQ(locate(w, t("2024-01-02T00:00:00Z")), place::after);
}

TEST(BackfillWindow, FilterKeepsEveryEventSharingTheSinceTimestampAndNoneSharingUntil) {
  const time_window w{t("2024-01-01T00:00:00.5Z"), t("2024-01-01T00:00:02Z")};
  auto page = batch_of({{"a", "2024-01-01T00:00:00.4Z"},
                        {"b", "2024-01-01T00:00:00.5Z"},
                        {"c", "2024-01-01T00:00:00.500000000Z"},
                        {"d", "2024-01-01T00:00:01Z"},
                        {"e", "2024-01-01T00:00:02Z"},
                        {"f", "2024-01-01T00:00:02Z"}});
  auto f = filter_page(page, w);
  EXPECT_EQ(ids(f.batch), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(f.before, 1u);
  EXPECT_TRUE(f.reached_until);
  EXPECT_EQ(f.batch.document(0), "{\"id\":\"b\"}");
  EXPECT_EQ(f.batch.ndjson(), "{\"id\":\"b\"}\n{\"id\":\"c\"}\n{\"id\":\"d\"}\n");
}

TEST(BackfillWindow, ReverseFilterTurnsANewestFirstPageOldestFirst) {
  const time_window w{t("2024-01-01T00:00:00Z"), t("2024-01-03T00:00:00Z")};
  auto page = batch_of({{"z", "2024-01-04T00:00:00Z"},
                        {"y", "2024-01-02T00:00:00Z"},
                        {"x", "2024-01-01T00:00:00Z"},
                        {"w", "2023-12-31T00:00:00Z"}});
  auto f = filter_page(page, w, true);
  EXPECT_EQ(ids(f.batch), (std::vector<std::string>{"x", "y"}));
}

TEST(BackfillWindow, UnparsableTimestampsStayOut) {
  const time_window w{t("2024-01-01T00:00:00Z"), t("2024-01-03T00:00:00Z")};
  auto f = filter_page(batch_of({{"a", "yesterday"}, {"b", "2024-01-02T00:00:00Z"}}), w);
  EXPECT_EQ(ids(f.batch), (std::vector<std::string>{"b"}));
  EXPECT_EQ(f.unparsable, 1u);
}

TEST(BackfillWindow, RetentionIsNinetyDays) {
  const auto now = t("2024-06-01T00:00:00Z");
  EXPECT_FALSE(before_retention({now - 89 * ns_per_day, now}, now));
  EXPECT_FALSE(before_retention({now - 90 * ns_per_day, now}, now));
  EXPECT_TRUE(before_retention({now - 90 * ns_per_day - 1, now}, now));
}

TEST(BackfillProgress, CoveredFractionAndEstimate) {
  const time_window w{1000, 2000};
  EXPECT_DOUBLE_EQ(covered_fraction(w, 1000), 0.0);
  EXPECT_DOUBLE_EQ(covered_fraction(w, 1250), 0.25);
  EXPECT_DOUBLE_EQ(covered_fraction(w, 5000), 1.0);
  EXPECT_DOUBLE_EQ(covered_fraction(w, 0), 0.0);
  EXPECT_FALSE(estimate_left(std::chrono::seconds(10), 0.0));
  EXPECT_EQ(*estimate_left(std::chrono::seconds(10), 0.25), std::chrono::seconds(30));
  EXPECT_EQ(*estimate_left(std::chrono::seconds(10), 1.0), std::chrono::seconds(0));
  EXPECT_EQ(format_duration(std::chrono::seconds(3723)), "1h02m03s");
  EXPECT_EQ(format_duration(std::chrono::seconds(61)), "1m01s");
  EXPECT_EQ(format_duration(std::chrono::seconds(5)), "5s");
}

TEST(BackfillRequests, MinimumIsOnePerPageAndAtLeastOne) {
  EXPECT_EQ(minimum_requests(0, 1000), 1u);
  EXPECT_EQ(minimum_requests(1, 1000), 1u);
  EXPECT_EQ(minimum_requests(1000, 1000), 1u);
  EXPECT_EQ(minimum_requests(1001, 1000), 2u);
  EXPECT_EQ(minimum_requests(250, 100), 3u);
}

TEST(BackfillRequests, DirectionFollowsTheCloserEnd) {
  const std::int64_t day = ns_per_day;
  // 1000 events a day, 30 days of history starting at day 0; pages of 1000 cover one day each.
  const edge_sample oldest{0, day, 1000};
  const edge_sample newest{30 * day, 29 * day, 1000};
  // A window near the old end: walk up from the oldest page.
  auto near_old = choose_direction({3 * day, 4 * day}, oldest, newest, 1000, 20000);
  EXPECT_EQ(near_old.way, direction::ascending);
  EXPECT_NEAR(near_old.ascending_pages, 3.0, 0.01);
  // Near the new end: go down from the newest page (the window fits in memory: no second read).
  auto near_new = choose_direction({25 * day, 27 * day}, oldest, newest, 1000, 20000);
  EXPECT_EQ(near_new.way, direction::descending);
  EXPECT_NEAR(near_new.descending_pages, 4.0, 0.01);
  // A big window that does not fit in memory pays its second read, which tips the choice.
  auto big = choose_direction({14 * day, 28 * day}, oldest, newest, 1000, 5000);
  EXPECT_NEAR(big.descending_pages, 15.0 + 14.0, 0.01);
  EXPECT_NEAR(big.ascending_pages, 27.0, 0.01);
  EXPECT_EQ(big.way, direction::ascending);
}

TEST(BackfillProgressFile, NameIsStableAndDependsOnEverything) {
  const auto a = progress_file_name(5, "now", {"es", "file"});
  EXPECT_EQ(a, progress_file_name(5, "now", {"file", "es"}));  // sink order does not matter
  EXPECT_NE(a, progress_file_name(6, "now", {"es", "file"}));
  EXPECT_NE(a, progress_file_name(5, "7", {"es", "file"}));
  EXPECT_NE(a, progress_file_name(5, "now", {"es"}));
  EXPECT_NE(progress_file_name(5, "now", {"ab", "c"}), progress_file_name(5, "now", {"a", "bc"}));
  EXPECT_EQ(a.size(), 16u + 5u);
  EXPECT_EQ(a.substr(16), ".json");
}

TEST(BackfillProgressFile, RoundTripsAndSurvivesAFileSystem) {
  progress_state p;
  p.since_ns = t("2024-01-01T00:00:00Z");
  p.until_ns = p.since_ns + 7;
  p.until_spec = "now";
  p.sinks = {"es", "file \"x\""};
  p.located = true;
  p.cursor = "UD5pqjIhjKVQPmmqMiGMpQ==";
  p.last_id = "abc+/=";
  p.position_ns = p.since_ns + 3;
  p.events = 12345;
  p.pages = 13;
  p.requests = 15;
  p.search_requests = 2;
  p.elapsed_s = 1.25;
  p.per_sink = {{"es", 10, 2, 1}, {"file \"x\"", 12345, 0, 0}};
  std::string why;
  auto back = progress_from_json(progress_to_json(p), why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->sinks, p.sinks);
  EXPECT_EQ(back->cursor, p.cursor);
  EXPECT_EQ(back->last_id, p.last_id);
  EXPECT_EQ(back->events, 12345u);
  EXPECT_EQ(back->per_sink[0].duplicates, 2u);
  EXPECT_EQ(back->per_sink[1].name, "file \"x\"");
  EXPECT_DOUBLE_EQ(back->elapsed_s, 1.25);
  EXPECT_TRUE(back->located);
  EXPECT_FALSE(back->done);

  EXPECT_FALSE(progress_from_json("{\"version\":1}", why));
  EXPECT_FALSE(progress_from_json("not json", why));

  const sf::test::temp_dir dir("sf-backfill-unit");
  const auto file = dir / progress_file_name(p.since_ns, "now", p.sinks);
  EXPECT_EQ(load_progress(file).what, loaded_progress::kind::missing);
  ASSERT_TRUE(save_progress(file, p).ok());
  auto loaded = load_progress(file);
  ASSERT_EQ(loaded.what, loaded_progress::kind::loaded) << loaded.message;
  EXPECT_EQ(loaded.value.cursor, p.cursor);
}

TEST(BackfillReport, LineAndSummarySayWhatTheIssueAsks) {
  progress_state p;
  p.since_ns = 0;
  p.until_ns = 1000;
  p.position_ns = 500;
  p.events = 2000;
  p.pages = 3;
  p.requests = 4;
  p.search_requests = 1;
  p.elapsed_s = 2;
  p.per_sink = {{"es", 1990, 10, 0}};
  job_view v{p, phase::shipping, std::chrono::seconds(2), {}, 2000, std::chrono::seconds(2)};
  EXPECT_EQ(progress_line(v), "backfill: 2000 events, 1000 events/s, 50.0% of the window, about 2s left");
  job_result r;
  r.what = job_result::kind::completed;
  r.progress = p;
  const auto s = summary_text(r, 1000);
  EXPECT_NE(s.find("events:    2000"), std::string::npos) << s;
  EXPECT_NE(s.find("requests:  4 (search 1; minimum for this window 2, 2 over it)"), std::string::npos) << s;
  EXPECT_NE(s.find("events/s:  1000"), std::string::npos) << s;
  EXPECT_NE(s.find("sink es: stored 1990, duplicates 10, dead-lettered 0"), std::string::npos) << s;
}

}  // namespace
}  // namespace sf::backfill
