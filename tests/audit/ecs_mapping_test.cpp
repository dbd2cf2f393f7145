// The ECS classification table: categories, types and outcomes an analyst filters on.
#include "daemon/audit/ecs_mapping.hpp"

#include <gtest/gtest.h>

namespace {

using sf::audit::classify_event_type;

struct row {
  const char* type;
  const char* category;
  const char* ecs_type;
  const char* outcome;
};

TEST(classify_event_type, maps_known_families) {
  const row rows[] = {
      {"auth_token.issue", R"(["authentication"])", R"(["start"])", "success"},
      {"auth_token.revoke", R"(["authentication"])", R"(["end"])", "success"},
      {"auth_token.deny", R"(["authentication"])", R"(["start"])", "failure"},
      {"server.ssh_session_start", R"(["session"])", R"(["start"])", "success"},
      {"server.ssh_session_end", R"(["session"])", R"(["end"])", "success"},
      {"server.login", R"(["session"])", R"(["start"])", "success"},
      {"server.login_failed", R"(["session"])", R"(["start"])", "failure"},
      {"server.sudo", R"(["process"])", R"(["start"])", "success"},
      {"user.create", R"(["iam"])", R"(["user","creation"])", "success"},
      {"user.delete", R"(["iam"])", R"(["user","deletion"])", "success"},
      {"user.update", R"(["iam"])", R"(["user","change"])", "success"},
      {"group.add_user", R"(["iam"])", R"(["group","change"])", "success"},
      {"group.create", R"(["iam"])", R"(["group","creation"])", "success"},
      {"service_user.key_create", R"(["iam"])", R"(["creation"])", "success"},
      {"service_user.key_delete", R"(["iam"])", R"(["deletion"])", "success"},
      {"project.update", R"(["configuration"])", R"(["change"])", "success"},
      {"policy.create", R"(["configuration"])", R"(["creation"])", "success"},
      {"policy.delete", R"(["configuration"])", R"(["deletion"])", "success"},
  };
  for (const auto& r : rows) {
    const auto c = classify_event_type(r.type);
    EXPECT_EQ(c.category, r.category) << r.type;
    EXPECT_EQ(c.type, r.ecs_type) << r.type;
    EXPECT_EQ(c.outcome, r.outcome) << r.type;
  }
}

TEST(classify_event_type, unknown_types_get_nothing) {
  for (const char* t : {"", "nodots", "brand_new.thing", ".create", "user.", "widget.create"}) {
    const auto c = classify_event_type(t);
    EXPECT_FALSE(c.known()) << t;
    EXPECT_TRUE(c.type.empty()) << t;
    EXPECT_TRUE(c.outcome.empty()) << t;
  }
}

TEST(classify_event_type, unclear_verbs_keep_the_family_without_an_outcome) {
  const auto c = classify_event_type("user.frobnicate");
  EXPECT_EQ(c.category, R"(["iam"])");
  EXPECT_EQ(c.type, R"(["user","info"])");
  EXPECT_TRUE(c.outcome.empty());
}

}  // namespace
