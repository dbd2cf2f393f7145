// When the sink expects X-elastic-product: from the GET / answer alone, without sockets.
#include "sinks/elasticsearch/product_header.hpp"

#include <gtest/gtest.h>

namespace es = sf::sinks::elasticsearch;

TEST(product_header_expected, elasticsearch_from_7_14_on) {
  EXPECT_TRUE(es::product_header_expected(R"({"version":{"number":"8.15.0","build_flavor":"default"}})"));
  EXPECT_TRUE(es::product_header_expected(R"({"version":{"number":"7.14.0"}})"));
  EXPECT_TRUE(es::product_header_expected(R"({"version":{"number":"7.17.22","build_flavor":"default"}})"));
  EXPECT_TRUE(es::product_header_expected(R"({"version":{"number":"9.0.0"}})"));
}

TEST(product_header_expected, not_before_7_14) {
  // The real 7.10.2 open-source node says build_flavor oss; 7.13 was the last release without the header.
  EXPECT_FALSE(es::product_header_expected(R"({"version":{"number":"7.10.2","build_flavor":"oss"}})"));
  EXPECT_FALSE(es::product_header_expected(R"({"version":{"number":"7.13.4","build_flavor":"default"}})"));
  EXPECT_FALSE(es::product_header_expected(R"({"version":{"number":"6.8.23"}})"));
}

TEST(product_header_expected, never_from_opensearch) {
  // OpenSearch's own version numbers (1.x, 2.x, 3.x) are not Elasticsearch releases.
  EXPECT_FALSE(es::product_header_expected(
      R"({"version":{"distribution":"opensearch","number":"2.19.6","build_type":"tar"}})"));
  EXPECT_FALSE(es::product_header_expected(R"({"version":{"distribution":"opensearch","number":"3.1.0"}})"));
}

TEST(product_header_expected, an_unreadable_answer_is_not_recognisably_elasticsearch) {
  EXPECT_TRUE(es::product_header_expected(""));
  EXPECT_TRUE(es::product_header_expected("<html>proxy</html>"));
  EXPECT_TRUE(es::product_header_expected(R"({"tagline":"You Know, for Search"})"));
}
