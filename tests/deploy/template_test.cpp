// The index template in deploy/elasticsearch has exactly the mappings the Elasticsearch sink installs.
#include "sinks/elasticsearch/bulk.hpp"

#include <simdjson.h>

#include <gtest/gtest.h>

#include <string>

namespace {

// Deep equality of two JSON values, object keys in any order; `where` names the first difference.
bool same(simdjson::dom::element a, simdjson::dom::element b, const std::string& path, std::string& where) {
  if (a.type() != b.type()) {
    where = path + ": different types";
    return false;
  }
  switch (a.type()) {
    case simdjson::dom::element_type::OBJECT: {
      auto ao = a.get_object().value();
      auto bo = b.get_object().value();
      if (ao.size() != bo.size()) {
        where = path + ": different key counts";
        return false;
      }
      for (auto [k, v] : ao) {
        simdjson::dom::element other;
        if (bo[k].get(other)) {
          where = path + "." + std::string(k) + ": missing";
          return false;
        }
        if (!same(v, other, path + "." + std::string(k), where)) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::ARRAY: {
      auto aa = a.get_array().value();
      auto ba = b.get_array().value();
      if (aa.size() != ba.size()) {
        where = path + ": different lengths";
        return false;
      }
      for (std::size_t i = 0; i < aa.size(); ++i)
        if (!same(aa.at(i).value(), ba.at(i).value(), path + "[" + std::to_string(i) + "]", where)) return false;
      return true;
    }
    default:
      if (simdjson::to_string(a) != simdjson::to_string(b)) {
        where = path + ": " + std::string(simdjson::to_string(a)) + " != " + std::string(simdjson::to_string(b));
        return false;
      }
      return true;
  }
}

TEST(DeployTemplate, MappingsMatchWhatTheSinkInstalls) {
  sf::config::elasticsearch_sink_config cfg;
  cfg.data_stream = "logs-scaleft.audit-default";
  const std::string installed = sf::sinks::es::index_template_body(cfg);
  simdjson::dom::parser p1, p2;
  simdjson::dom::element sink_doc, file_doc;
  ASSERT_FALSE(p1.parse(installed).get(sink_doc));
  auto file = simdjson::padded_string::load(SF_SOURCE_DIR "/deploy/elasticsearch/index-template.json");
  ASSERT_FALSE(file.error());
  ASSERT_FALSE(p2.parse(file.value()).get(file_doc));
  std::string where;
  EXPECT_TRUE(same(sink_doc["template"]["mappings"].value(), file_doc["template"]["mappings"].value(), "mappings",
                   where))
      << where;
  EXPECT_TRUE(file_doc["data_stream"].is_object());
  std::string_view policy;
  ASSERT_FALSE(file_doc["template"]["settings"]["index.lifecycle.name"].get(policy));
  auto ilm = simdjson::padded_string::load(SF_SOURCE_DIR "/deploy/elasticsearch/ilm-policy.json");
  ASSERT_FALSE(ilm.error());
  simdjson::dom::parser p3;
  simdjson::dom::element ilm_doc;
  ASSERT_FALSE(p3.parse(ilm.value()).get(ilm_doc));
  EXPECT_TRUE(ilm_doc["policy"]["phases"]["hot"]["actions"]["rollover"].is_object());
  EXPECT_EQ(policy, "scaleft-audit");
}

}  // namespace
