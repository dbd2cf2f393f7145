// Unit tests of es-sim's pure mapping logic: date detection, value checks, dynamic mapping, the field count
// and limit, dynamic templates, definitions and their errors.
#include "sim/elasticsearch/field_values.hpp"
#include "sim/elasticsearch/index_settings.hpp"
#include "sim/elasticsearch/mapping.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

using namespace sfsim::es;

namespace {

struct mapped {
  index_mapping m;
  simdjson::dom::parser parser;
  mapping_limits limits;
  cluster_flavor flavor;
  std::optional<mapping_failure> put(const std::string& doc, const std::string& id = "1") {
    simdjson::dom::element root;
    EXPECT_EQ(parser.parse(doc).get(root), simdjson::SUCCESS) << doc;
    simdjson::dom::object obj;
    EXPECT_EQ(root.get_object().get(obj), simdjson::SUCCESS);
    return m.apply(obj, doc, id, "idx", limits, flavor);
  }
};

}  // namespace

TEST(SimEsMapping, DateDetectionNeedsTheDefaultFormatsAndMoreThanOneSeparator) {
  EXPECT_EQ(detect_date("2024-05-01T10:00:00Z"), std::string());
  EXPECT_EQ(detect_date("2024-05-01"), std::string());
  EXPECT_EQ(detect_date("2024-05-01T10:00:00.123456789+02:00"), std::string());
  EXPECT_EQ(detect_date("2024/05/01"), std::string(slash_date_format));
  EXPECT_EQ(detect_date("2024/05/01 10:00:00"), std::string(slash_date_format));
  EXPECT_FALSE(detect_date("2024"));          // would parse as a year, but has no separators
  EXPECT_FALSE(detect_date("2024-02-30"));    // no such day
  EXPECT_FALSE(detect_date("10:00:00"));
  EXPECT_FALSE(detect_date("a-b-c"));
  EXPECT_TRUE(date_matches_format("", "1714557600000"));
  EXPECT_TRUE(date_matches_format("", "2024"));
  EXPECT_FALSE(date_matches_format("", "hello"));
  EXPECT_TRUE(date_matches_format("yyyy-MM-dd HH:mm:ss.SSS", "anything"));  // a pattern es-sim does not know
  EXPECT_TRUE(is_ip_literal("10.0.0.1"));
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_FALSE(is_ip_literal("10.0.0.256"));
  EXPECT_TRUE(is_numeric_text("-1.5e3"));
  EXPECT_FALSE(is_numeric_text("12a"));
}

TEST(SimEsMapping, CountsObjectsFieldsAndMultiFieldsAndRefusesPastTheLimit) {
  mapped t;
  t.limits.total_fields_limit = 6;
  EXPECT_FALSE(t.put(R"({"a":1,"o":{"b":true},"s":"x"})"));  // a, o, o.b, s, s.keyword
  EXPECT_EQ(t.m.total_fields(), 5);
  auto f = t.put(R"({"t":"y"})");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, "document_parsing_exception");
  EXPECT_EQ(f->reason, "[1:6] failed to parse: Limit of total fields [6] has been exceeded while adding new fields [2]");
  EXPECT_EQ(f->caused_by_type, "illegal_argument_exception");
  EXPECT_EQ(f->kind, "total_fields_limit");
  EXPECT_EQ(t.m.total_fields(), 5) << "a refused document leaves no mapping behind";
  EXPECT_FALSE(t.put(R"({"n":2})"));
  EXPECT_EQ(t.m.total_fields(), 6);
}

TEST(SimEsMapping, SevenXChecksTheWholeDocumentAndSaysSoIn7xWords) {
  mapped t;
  t.flavor.major = 7;
  t.limits.total_fields_limit = 2;
  auto f = t.put(R"({"a":"x","n":"not a number"})");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, "illegal_argument_exception");
  EXPECT_EQ(f->reason, "Limit of total fields [2] has been exceeded");
  EXPECT_FALSE(t.put(R"({"n":1})"));
  auto bad = t.put(R"({"n":"x"})", "7");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->type, "mapper_parsing_exception");
  EXPECT_EQ(bad->reason, "failed to parse field [n] of type [long] in document with id '7'. Preview of field's value: 'x'");
  EXPECT_EQ(bad->caused_by_type, "number_format_exception");
}

TEST(SimEsMapping, IgnoreDynamicBeyondLimitDropsOnlyTheFieldsThatDoNotFit) {
  mapped t;
  t.limits.total_fields_limit = 2;
  t.limits.ignore_dynamic_beyond_limit = true;
  EXPECT_FALSE(t.put(R"({"a":1,"b":2,"c":3,"d":{"e":1}})"));
  EXPECT_EQ(t.m.total_fields(), 2);
  EXPECT_EQ(t.m.ignored_beyond_limit(), 2u);
}

TEST(SimEsMapping, TypesAreFixedByTheFirstValueArraysAndDottedKeys) {
  mapped t;
  EXPECT_FALSE(t.put(R"({"list":[null,3,4],"none":null,"empty":[],"a.b":"x","f":1.5})"));
  EXPECT_EQ(t.m.render(),
            R"({"properties":{"a":{"properties":{"b":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}}}},"f":{"type":"float"},"list":{"type":"long"}}})");
  EXPECT_FALSE(t.put(R"({"list":"5","f":2,"a":{"b":7}})")) << "numeric strings and numbers into text fit";
  auto arr = t.put(R"({"list":[1,"two"]})");
  ASSERT_TRUE(arr);
  EXPECT_EQ(arr->reason, "[1:12] failed to parse field [list] of type [long] in document with id '1'. Preview of field's value: 'two'");
  auto obj = t.put(R"({"f":{"x":1,"y":"z"}})");
  ASSERT_TRUE(obj);
  EXPECT_EQ(obj->reason, "[1:6] failed to parse field [f] of type [float] in document with id '1'. Preview of field's value: '{x=1, y=z}'");
  // A nested field and a dotted key are named by their whole path, however the document spells them.
  EXPECT_FALSE(t.put(R"({"o":{"p":{"n":1}}})"));
  auto deep = t.put(R"({"o":{"p":{"n":"deep"}}})");
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->reason, "[1:16] failed to parse field [o.p.n] of type [long] in document with id '1'. Preview of field's value: 'deep'");
  auto dotted = t.put(R"({"o.p":{"n":true}})");
  ASSERT_TRUE(dotted);
  EXPECT_THAT(dotted->reason, ::testing::HasSubstr("failed to parse field [o.p.n] of type [long]"));
  auto meta = t.put(R"({"_id":"x"})");
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->reason, "[1:8] Field [_id] is a metadata field and cannot be added inside a document. Use the index API request parameters.");
}

TEST(SimEsMapping, ExplicitMappingsDynamicModesAndUnknownTypes) {
  mapped t;
  EXPECT_FALSE(t.m.merge(R"({"dynamic":"strict","properties":{"o":{"dynamic":false,"properties":{"k":{"type":"keyword"}}},"r":{"type":"flattened"}}})", t.flavor));
  EXPECT_EQ(t.m.total_fields(), 3);
  EXPECT_FALSE(t.put(R"({"o":{"k":"v","free":{"deep":1}},"r":{"any":{"key":1},"k2":"v"}})"));
  EXPECT_EQ(t.m.total_fields(), 3) << "dynamic false and flattened add nothing";
  auto strict = t.put(R"({"o":{},"x":1})");
  ASSERT_TRUE(strict);
  EXPECT_EQ(strict->type, "strict_dynamic_mapping_exception");
  EXPECT_EQ(strict->reason, "[1:13] mapping set to strict, dynamic introduction of [x] within [_doc] is not allowed");
  index_mapping bad;
  auto e = bad.merge(R"({"properties":{"a":{"type":"strnig"}}})", cluster_flavor{});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, "Failed to parse mapping: No handler for type [strnig] declared on field [a]");
  cluster_flavor oss;
  oss.xpack = false;
  EXPECT_TRUE(bad.merge(R"({"properties":{"a":{"type":"flattened"}}})", oss));
  EXPECT_TRUE(bad.merge(R"({"colour":"red"})", cluster_flavor{}));
}

TEST(SimEsMapping, DynamicTemplatesAsEcsMappingsUsesThem) {
  mapped t;
  ASSERT_FALSE(t.m.merge(R"({"date_detection":false,"dynamic_templates":[
    {"ecs_ip":{"path_match":["ip","*.ip"],"match_mapping_type":"string","mapping":{"type":"ip"}}},
    {"ecs_date":{"path_match":["*.created"],"mapping":{"type":"date"}}},
    {"flat":{"path_match":"*structured_data","mapping":{"type":"flattened"}}},
    {"strings":{"match_mapping_type":"string","mapping":{"type":"keyword","ignore_above":1024}}}]})",
                         t.flavor));
  EXPECT_FALSE(t.put(R"({"source":{"ip":"10.0.0.1"},"event":{"created":"2024-05-01T00:00:00Z"},"when":"2024-05-01T00:00:00Z","x":{"structured_data":{"a":1}},"event2":{"created":{"nested":1}}})"));
  const std::string r = t.m.render();
  EXPECT_NE(r.find(R"("ip":{"type":"ip"})"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("created":{"type":"date"})"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("when":{"type":"keyword","ignore_above":1024})"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("structured_data":{"type":"flattened"})"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("event2":{"properties":{"created":{"properties")"), std::string::npos)
      << "an object is not mapped by a template for concrete values: " << r;
  auto bad_ip = t.put(R"({"client":{"ip":"nope"}})");
  ASSERT_TRUE(bad_ip);
  EXPECT_EQ(bad_ip->caused_by_reason, "'nope' is not an IP string literal.");
}

TEST(SimEsMapping, ConstantKeywordTakesTheFirstValueOnly) {
  mapped t;
  ASSERT_FALSE(t.m.merge(R"({"properties":{"data_stream.dataset":{"type":"constant_keyword"}}})", t.flavor));
  EXPECT_EQ(t.m.total_fields(), 2);
  EXPECT_FALSE(t.put(R"({"data_stream":{"dataset":"scaleft"}})"));
  auto other = t.put(R"({"data_stream":{"dataset":"other"}})");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->caused_by_reason,
            "[constant_keyword] field [data_stream.dataset] only accepts values that are equal to the value defined in "
            "the mappings [scaleft], but got [other]");
}

TEST(SimEsMapping, SettingsFlattenNestedAndDottedKeys) {
  flat_settings s;
  ASSERT_FALSE(merge_settings(R"({"index":{"mapping":{"total_fields":{"limit":"50"}}},"default_pipeline":"p"})", s));
  ASSERT_FALSE(merge_settings(R"({"index.mapping.total_fields.ignore_dynamic_beyond_limit":true})", s));
  const auto l = limits_from(s);
  EXPECT_EQ(l.total_fields_limit, 50);
  EXPECT_TRUE(l.ignore_dynamic_beyond_limit);
  EXPECT_EQ(setting_or(s, "index.default_pipeline"), "p");
  EXPECT_EQ(render_settings(s),
            R"({"index":{"default_pipeline":"p","mapping":{"total_fields":{"ignore_dynamic_beyond_limit":"true","limit":"50"}}}})");
}
