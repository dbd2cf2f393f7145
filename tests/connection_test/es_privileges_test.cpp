// The privileges an Elasticsearch sink asks _has_privileges for, and what each kind of answer means.
#include "daemon/connection_test/es_privileges.hpp"

#include <gtest/gtest.h>

namespace sf::connection_test {
namespace {

using kinds = std::vector<std::string>;
const kinds all_objects = {"ingest pipeline", "lifecycle policy", "component template", "index template"};

TEST(EsPrivileges, ADataStreamNeedsCreateDocAndAutoConfigure) {
  config::elasticsearch_sink_config cfg;
  cfg.data_stream = "logs-scaleft.audit-default";
  auto r = required_privileges(cfg, all_objects);
  EXPECT_EQ(r.index_names, kinds{"logs-scaleft.audit-default"});
  EXPECT_EQ(r.index_privileges, (kinds{"create_doc", "auto_configure"}));
  EXPECT_TRUE(r.cluster.empty()) << "template: false, so setup's privileges are not the sink's";
  EXPECT_EQ(has_privileges_body(r),
            R"({"cluster":[],"index":[{"names":["logs-scaleft.audit-default"],"privileges":["create_doc","auto_configure"]}]})");
}

TEST(EsPrivileges, AnEventTimeIndexAsksForItsWildcard) {
  config::elasticsearch_sink_config cfg;
  cfg.index = "scaleft-audit-%{+yyyy.MM.dd}";
  auto r = required_privileges(cfg, {});
  EXPECT_EQ(r.index_names, kinds{"scaleft-audit-*"});
  EXPECT_EQ(r.index_privileges, (kinds{"create_doc", "auto_configure"}));
  cfg.index = "audit";
  EXPECT_EQ(required_privileges(cfg, {}).index_names, kinds{"audit"});
}

TEST(EsPrivileges, TemplateTrueAddsWhatSetupWouldPut) {
  config::elasticsearch_sink_config cfg;
  cfg.data_stream = "logs-a-b";
  cfg.template_install = true;
  EXPECT_EQ(required_privileges(cfg, all_objects).cluster,
            (kinds{"monitor", "manage_pipeline", "manage_ilm", "manage_index_templates"}));
  // A cluster without ILM or ingest gets neither object, so neither privilege is asked for.
  EXPECT_EQ(required_privileges(cfg, {"component template", "index template"}).cluster,
            (kinds{"monitor", "manage_index_templates"}));
}

TEST(EsPrivileges, AllHeldIsGranted) {
  auto a = interpret_has_privileges(200, R"({"username":"shipper","has_all_requested":true,"cluster":{},
      "index":{"logs-a-b":{"create_doc":true,"auto_configure":true}},"application":{}})");
  EXPECT_EQ(a.what, privilege_answer::kind::granted);
  EXPECT_EQ(a.username, "shipper");
  EXPECT_EQ(a.held, (kinds{"create_doc on logs-a-b", "auto_configure on logs-a-b"}));
}

TEST(EsPrivileges, TheMissingOnesAreNamed) {
  auto a = interpret_has_privileges(200, R"({"username":"shipper","has_all_requested":false,
      "cluster":{"manage_ilm":false,"manage_pipeline":true},
      "index":{"logs-a-b":{"create_doc":false,"auto_configure":true}},"application":{}})");
  EXPECT_EQ(a.what, privilege_answer::kind::missing);
  EXPECT_EQ(a.missing, (kinds{"cluster manage_ilm", "create_doc on logs-a-b"}));
  EXPECT_EQ(a.held, (kinds{"cluster manage_pipeline", "auto_configure on logs-a-b"}));
}

TEST(EsPrivileges, ClustersWithoutSecurityAreRecognised) {
  // 8.x with security off, 7.10 open source (the path read as an index), 7.x default distribution.
  EXPECT_EQ(interpret_has_privileges(
                400, R"({"error":"no handler found for uri [/_security/user/_has_privileges] and method [POST]","status":400})")
                .what,
            privilege_answer::kind::no_security);
  EXPECT_EQ(interpret_has_privileges(400, R"({"error":{"root_cause":[],"type":"invalid_index_name_exception",
      "reason":"Invalid index name [_security], must not start with '_', '-', or '+'"},"status":400})")
                .what,
            privilege_answer::kind::no_security);
  EXPECT_EQ(interpret_has_privileges(404, "{}").what, privilege_answer::kind::no_security);
  EXPECT_EQ(interpret_has_privileges(500, R"({"error":{"type":"exception","reason":"Security must be explicitly enabled when using a [basic] license."},"status":500})")
                .what,
            privilege_answer::kind::no_security);
}

TEST(EsPrivileges, OtherAnswersAreErrors) {
  auto a = interpret_has_privileges(401, R"({"error":{"type":"security_exception","reason":"unable to authenticate"},"status":401})");
  EXPECT_EQ(a.what, privilege_answer::kind::unauthenticated);
  a = interpret_has_privileges(400, R"({"error":{"type":"x_content_parse_exception","reason":"[1:2] bad"},"status":400})");
  EXPECT_EQ(a.what, privilege_answer::kind::error);
  EXPECT_EQ(a.error, "HTTP 400: [1:2] bad");
  EXPECT_EQ(interpret_has_privileges(200, "<html>").what, privilege_answer::kind::error);
  EXPECT_EQ(interpret_has_privileges(502, "<html>").error, "HTTP 502");
}

}  // namespace
}  // namespace sf::connection_test
