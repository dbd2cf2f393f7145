// Unit tests of scaleft-sim's pure parts: paging, clamp, links, rate limit, key expiry, faults, time,
// generator.
#include "sim/scaleft/encoding.hpp"
#include "sim/scaleft/event_generator.hpp"
#include "sim/scaleft/event_store.hpp"
#include "sim/scaleft/fault_plan.hpp"
#include "sim/scaleft/keys.hpp"
#include "sim/scaleft/options.hpp"
#include "sim/scaleft/paging.hpp"
#include "sim/scaleft/rate_limiter.hpp"
#include "sim/scaleft/sim_time.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace sfsim::scaleft;

namespace {
std::vector<std::size_t> listed(const page_window& w) {
  std::vector<std::size_t> out;
  for (std::size_t n = 0; n < w.size(); ++n) out.push_back(w.descending ? w.end - 1 - n : w.begin + n);
  return out;
}
const nanos hour = 3600 * ns_per_s;
}  // namespace

TEST(sim_scaleft_paging, OffsetIsExclusiveInBothDirections) {
  EXPECT_EQ(listed(select_page(4, 0, 10, 3, false, false)), (std::vector<std::size_t>{5, 6, 7}));
  EXPECT_EQ(listed(select_page(4, 0, 10, 3, true, false)), (std::vector<std::size_t>{3, 2, 1}));
  EXPECT_EQ(listed(select_page(std::nullopt, 0, 10, 3, false, false)), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(listed(select_page(std::nullopt, 0, 10, 3, true, false)), (std::vector<std::size_t>{9, 8, 7}));
}

TEST(sim_scaleft_paging, PrevGoesTheOtherWayInTheSameOrder) {
  EXPECT_EQ(listed(select_page(4, 0, 10, 3, false, true)), (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(listed(select_page(4, 0, 10, 3, true, true)), (std::vector<std::size_t>{7, 6, 5}));
  EXPECT_EQ(listed(select_page(1, 0, 10, 3, false, true)), (std::vector<std::size_t>{0}));
}

TEST(sim_scaleft_paging, RetentionHidesOldEventsButTheirPositionsStillWorkAsOffsets) {
  EXPECT_EQ(listed(select_page(std::nullopt, 5, 10, 100, false, false)),
            (std::vector<std::size_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(listed(select_page(1, 5, 10, 2, false, false)), (std::vector<std::size_t>{5, 6}));
  EXPECT_TRUE(select_page(3, 5, 10, 2, true, false).empty());
  EXPECT_TRUE(select_page(9, 0, 10, 2, false, false).empty());
}

TEST(sim_scaleft_paging, CountDefaultsClampsAndRejects) {
  EXPECT_EQ(parse_count("5"), 5u);
  EXPECT_EQ(parse_count("1000"), 1000u);
  EXPECT_EQ(parse_count("1001"), 1000u);
  EXPECT_EQ(parse_count("99999999999999999999999"), 1000u);
  EXPECT_FALSE(parse_count("0"));
  EXPECT_FALSE(parse_count("-1"));
  EXPECT_FALSE(parse_count("5x"));
  EXPECT_FALSE(parse_count(""));
  auto r = parse_page_request({});
  ASSERT_TRUE(std::holds_alternative<page_request>(r));
  EXPECT_EQ(std::get<page_request>(r).count, 100u);
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_page_request({{"descending", "yes"}})));
  auto d = parse_page_request({{"descending", "True"}, {"prev", "1"}, {"offset", ""}});
  ASSERT_TRUE(std::holds_alternative<page_request>(d));
  EXPECT_TRUE(std::get<page_request>(d).descending);
  EXPECT_TRUE(std::get<page_request>(d).prev);
  EXPECT_FALSE(std::get<page_request>(d).offset);
}

TEST(sim_scaleft_paging, LinksAreAbsoluteCarryCountAndEscapeTheOffset) {
  page_request req;
  req.count = 1000;
  req.offset = "start";
  const std::string h = build_link_header("http", "127.0.0.1:8080", "acme", req, std::string("a+b/c=="),
                                          std::string("z+y/x=="));
  EXPECT_EQ(h,
            "<http://127.0.0.1:8080/v1/teams/acme/auditsV2?count=1000&offset=z%2By%2Fx%3D%3D>; rel=\"next\", "
            "<http://127.0.0.1:8080/v1/teams/acme/auditsV2?count=1000&offset=a%2Bb%2Fc%3D%3D&prev=true>; "
            "rel=\"prev\"");
  req.descending = true;
  const std::string empty = build_link_header("https", "h:1", "my team", req, std::nullopt, std::nullopt);
  EXPECT_NE(empty.find("<https://h:1/v1/teams/my%20team/auditsV2?count=1000&offset=start&descending=true>; "
                       "rel=\"next\""),
            std::string::npos);
}

TEST(sim_scaleft_encoding, QueryDecodingFollowsGo) {
  auto t = parse_target("/p?offset=a%2Bb+c&x");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/p");
  EXPECT_EQ(find_param(t->query, "offset"), "a+b c");
  EXPECT_EQ(find_param(t->query, "x"), "");
  EXPECT_FALSE(parse_target("/p?offset=%zz"));
  EXPECT_FALSE(parse_target("/p?offset=%2"));
}

TEST(sim_scaleft_time, DurationsAndRfc3339) {
  EXPECT_EQ(parse_duration("30d"), 30 * 86400 * ns_per_s);
  EXPECT_EQ(parse_duration("250ms"), 250'000'000);
  EXPECT_EQ(parse_duration("1.5h"), 5400 * ns_per_s);
  EXPECT_FALSE(parse_duration("90"));
  EXPECT_FALSE(parse_duration("5w"));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_EQ(format_rfc3339_nanos(1596235935239331336LL), "2020-07-31T22:52:15.239331336Z");
  EXPECT_EQ(format_rfc3339_nanos(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_rfc3339_nanos(951782400LL * ns_per_s + 5), "2000-02-29T00:00:00.000000005Z");
}

TEST(sim_scaleft_ratelimiter, BudgetPerUserPerHourThenRefusedUntilReset) {
  rate_limiter rl(3);
  const nanos t = 1'000'000 * hour + 10 * ns_per_s;
  EXPECT_EQ(rl.take("a", t).remaining, 2u);
  EXPECT_EQ(rl.take("a", t).remaining, 1u);
  auto third = rl.take("a", t);
  EXPECT_TRUE(third.allowed);
  EXPECT_EQ(third.remaining, 0u);
  EXPECT_EQ(third.reset, (1'000'000LL + 1) * 3600);
  EXPECT_FALSE(rl.take("a", t).allowed);
  EXPECT_TRUE(rl.take("b", t).allowed);  // budgets are per user
  EXPECT_TRUE(rl.take("a", t + hour).allowed);
}

TEST(sim_scaleft_keys, ExpiryRules) {
  const nanos now = 1000 * hour;
  const nanos rot = 48 * hour;
  EXPECT_EQ(rotated_expiry(never, now, rot), now + rot);
  EXPECT_EQ(rotated_expiry(now + hour, now, rot), now + hour);  // already sooner: kept
  EXPECT_EQ(rotated_expiry(now + 100 * hour, now, rot), now + rot);
  api_key k;
  EXPECT_TRUE(key_usable(k, now));
  k.expires_at = now;
  EXPECT_FALSE(key_usable(k, now));
  k.expires_at = never;
  k.deleted = true;
  EXPECT_FALSE(key_usable(k, now));
  EXPECT_EQ(format_key_time(never), "0001-01-01T00:00:00Z");
}

TEST(sim_scaleft_keys, RotationDeleteAndTokens) {
  key_registry reg(1);
  reg.add_user("u", {"reporting_user"});
  const nanos now = 1000 * hour;
  const api_key first = reg.create_key("u", now, 48 * hour);
  auto token = reg.exchange(first.id, first.secret, "acme", now, hour);
  ASSERT_TRUE(token);
  EXPECT_FALSE(reg.exchange(first.id, first.secret + "x", "acme", now, hour));
  EXPECT_NE(reg.authenticate(*token, now + hour - 1), nullptr);
  EXPECT_EQ(reg.authenticate(*token, now + hour), nullptr);
  const api_key second = reg.create_key("u", now + hour, 48 * hour);
  EXPECT_EQ(reg.find_key(first.id)->expires_at, now + 49 * hour);
  EXPECT_EQ(reg.find_key(second.id)->expires_at, never);
  auto t2 = reg.exchange(first.id, first.secret, "acme", now + 2 * hour, hour);
  ASSERT_TRUE(t2);
  EXPECT_EQ(reg.live_tokens(now + 2 * hour), 1u);
  EXPECT_TRUE(reg.delete_key("u", first.id, now + 2 * hour));
  EXPECT_EQ(reg.authenticate(*t2, now + 2 * hour), nullptr);
  EXPECT_FALSE(reg.delete_key("u", first.id, now + 2 * hour));
  EXPECT_EQ(reg.live_keys("u", now + 2 * hour).size(), 1u);
}

TEST(sim_scaleft_faults, ParsesTheSpecSyntaxAndRejectsTypos) {
  auto r = parse_fault("audits:500:p=0.05");
  ASSERT_TRUE(std::holds_alternative<fault_rule>(r));
  EXPECT_EQ(std::get<fault_rule>(r).kind, fault_kind::internal_error);
  EXPECT_DOUBLE_EQ(std::get<fault_rule>(r).probability, 0.05);
  auto s = parse_fault("all:stall:n=3:delay=2s");
  ASSERT_TRUE(std::holds_alternative<fault_rule>(s));
  EXPECT_FALSE(std::get<fault_rule>(s).where);
  EXPECT_EQ(std::get<fault_rule>(s).remaining, 3u);
  EXPECT_EQ(std::get<fault_rule>(s).delay, std::chrono::milliseconds(2000));
  for (const char* bad :
       {"audits", "nowhere:500", "audits:418", "audits:500:p=2", "audits:500:n=0", "audits:500:x=1"})
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_fault(bad))) << bad;
}

TEST(sim_scaleft_faults, NextNThenGoneAndScopedToEndpoint) {
  fault_plan plan(1);
  plan.add(std::get<fault_rule>(parse_fault("token:429:n=2")));
  plan.add(std::get<fault_rule>(parse_fault("all:expire_token:n=1")));
  EXPECT_FALSE(plan.draw(endpoint::audits, false));  // expire_token needs a bearer token
  EXPECT_EQ(plan.draw(endpoint::token, false)->kind, fault_kind::too_many_requests);
  EXPECT_EQ(plan.draw(endpoint::token, false)->kind, fault_kind::too_many_requests);
  EXPECT_FALSE(plan.draw(endpoint::token, false));
  EXPECT_EQ(plan.draw(endpoint::audits, true)->kind, fault_kind::expire_token);
  EXPECT_FALSE(plan.draw(endpoint::audits, true));
  EXPECT_TRUE(plan.rules().empty());
}

TEST(sim_scaleft_options, DefaultsAndErrors) {
  auto r = parse_options({"--events", "5", "--span=1h", "--fault", "audits:503:n=1"});
  ASSERT_TRUE(std::holds_alternative<options>(r));
  const auto& o = std::get<options>(r);
  EXPECT_EQ(o.events, 5u);
  EXPECT_EQ(o.span, hour);
  ASSERT_EQ(o.service_users.size(), 1u);
  EXPECT_EQ(o.service_users[0].name, "log-forwarder");
  EXPECT_EQ(o.service_users[0].roles, (std::vector<std::string>{"reporting_user", "access_admin"}));
  EXPECT_EQ(o.rate_limit, 10000u);
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_options({"--nope"})));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_options({"--tls-cert", "c"})));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_options({"--service-user", "noroles"})));
}

TEST(sim_scaleft_generator, DeterministicForASeedWithOddCases) {
  event_generator a(42, "acme", 0.2), b(42, "acme", 0.2), c(43, "acme", 0.2);
  for (int i = 0; i < 500; ++i) {
    auto ea = a.make(i);
    auto eb = b.make(i);
    EXPECT_EQ(ea.json, eb.json);
    EXPECT_NE(ea.id, c.make(i).id);
  }
  EXPECT_GT(a.odd_events(), 60u);
  EXPECT_LT(a.odd_events(), 140u);
  const auto spread = a.spread(1000, 0, 1000 * ns_per_s);
  EXPECT_TRUE(std::is_sorted(spread.begin(), spread.end()));
  EXPECT_GT(spread.size() - std::set<nanos>(spread.begin(), spread.end()).size(), 5u);
}

TEST(sim_scaleft_generator, ObjectsSetsThePopulationAndTheDefaultIsUnchanged) {
  // The default population (180) gives the same events as a generator that never heard of the flag.
  event_generator plain(7, "acme", 0.02), dflt(7, "acme", 0.02, 180), big(7, "acme", 0.02, 2700);
  EXPECT_EQ(plain.pool().keys, dflt.pool().keys);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(plain.make(i).json, dflt.make(i).json);
  // 2700 = 600 users + 900 clients + 1200 servers, plus 8 projects, 8 groups and 3 malformed entries.
  EXPECT_EQ(big.pool().keys.size(), 2700u + 8 + 8 + 3);
  std::set<std::string> keys(big.pool().keys.begin(), big.pool().keys.end());
  EXPECT_EQ(keys.size(), big.pool().keys.size()) << "every object has its own key";
  std::set<std::string> names, addresses;
  for (const auto& r : big.pool().rendered) {
    for (const char* field : {"\"name\":\"", "\"hostname\":\"", "\"access_address\":\""}) {
      const auto at = r.find(field);
      if (at == std::string::npos) continue;
      const auto start = at + std::string_view(field).size();
      auto& set = std::string_view(field).starts_with("\"access") ? addresses : names;
      EXPECT_TRUE(set.insert(r.substr(start, r.find('"', start) - start)).second) << r;
    }
  }
  EXPECT_EQ(addresses.size(), 1200u);
  std::set<std::uint32_t> referenced;
  for (int i = 0; i < 100000; ++i)
    for (auto ref : big.make(i).related) referenced.insert(ref);
  EXPECT_GT(referenced.size(), 2000u) << "a long feed refers to most of them";
}

TEST(sim_scaleft_options, ObjectsIsBounded) {
  EXPECT_EQ(std::get<options>(parse_options({})).objects, 180u);
  EXPECT_EQ(std::get<options>(parse_options({"--objects", "2700"})).objects, 2700u);
  for (const char* bad : {"8", "1000001", "-5", "many", "", "2.5"})
    EXPECT_EQ(std::get<std::string>(parse_options({"--objects", bad})),
              std::string("--objects: '") + bad + "' is not an integer from 9 to 1000000");
}

TEST(sim_scaleft_store, RenderListsEachRelatedObjectOnceWithBothEnvelopeKeys) {
  event_generator g(1, "acme", 0);
  event_store s;
  for (int i = 0; i < 50; ++i) s.append(g.make(i));
  const std::string empty = s.render(page_window{}, g.pool());
  EXPECT_EQ(empty, "{\"list\":[],\"related_objects\":{}}");
  const std::string page = s.render(select_page(std::nullopt, 0, s.size(), 50, false, false), g.pool());
  for (const auto& key : g.pool().keys) {
    const std::string quoted = "\"" + key + "\":{";
    const auto first = page.find(quoted);
    if (first != std::string::npos) {
      EXPECT_EQ(page.find(quoted, first + 1), std::string::npos) << key;
    }
  }
  EXPECT_EQ(s.find(s.id_at(7)), 7u);
  EXPECT_FALSE(s.find("nope"));
  EXPECT_EQ(s.first_at_or_after(10), 10u);
}

TEST(sim_scaleft_paging, LastPageCanLeaveTheNextLinkOut) {
  page_request req;
  req.count = 2;
  const std::string h =
      build_link_header("http", "h:1", "acme", req, std::string("a"), std::string("b"), /*with_next=*/false);
  EXPECT_EQ(h, "<http://h:1/v1/teams/acme/auditsV2?count=2&offset=a&prev=true>; rel=\"prev\"");
}

TEST(sim_scaleft_faults, ShortPageAndAuthorizationErrorKinds) {
  auto s = parse_fault("audits:short_page:p=0.5");
  ASSERT_TRUE(std::holds_alternative<fault_rule>(s));
  EXPECT_EQ(std::get<fault_rule>(s).kind, fault_kind::short_page);
  EXPECT_TRUE(std::holds_alternative<fault_rule>(parse_fault("all:short_page:n=1")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_fault("token:short_page")));
  auto a = parse_fault("audits:authorization_error:n=2");
  ASSERT_TRUE(std::holds_alternative<fault_rule>(a));
  EXPECT_EQ(std::get<fault_rule>(a).kind, fault_kind::authorization_error);
  // A short page only ever hits auditsV2: token and key calls pass it by without using it up.
  fault_plan plan(1);
  plan.add(std::get<fault_rule>(parse_fault("all:short_page:n=1")));
  EXPECT_FALSE(plan.draw(endpoint::token, false));
  EXPECT_FALSE(plan.draw(endpoint::keys, true));
  EXPECT_EQ(plan.draw(endpoint::audits, true)->kind, fault_kind::short_page);
  EXPECT_TRUE(plan.rules().empty());
}

TEST(sim_scaleft_options, SwitchesAndAUserWithoutRoles) {
  auto r = parse_options({"--omit-last-next", "--refuse-aged-offsets", "--service-user", "norole="});
  ASSERT_TRUE(std::holds_alternative<options>(r));
  const auto& o = std::get<options>(r);
  EXPECT_TRUE(o.omit_last_next);
  EXPECT_TRUE(o.refuse_aged_offsets);
  ASSERT_EQ(o.service_users.size(), 1u);
  EXPECT_TRUE(o.service_users[0].roles.empty());
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_options({"--omit-last-next=yes"})));
  auto d = std::get<options>(parse_options({}));
  EXPECT_FALSE(d.omit_last_next);
  EXPECT_FALSE(d.refuse_aged_offsets);
}
