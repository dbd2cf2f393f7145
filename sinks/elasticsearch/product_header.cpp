// Whether a server's GET / answer means its answers should carry `X-elastic-product: Elasticsearch`.
#include "sinks/elasticsearch/product_header.hpp"

#include "sinks/elasticsearch/setup_plan.hpp"

namespace sf::sinks::elasticsearch {

bool product_header_expected(std::string_view root_body) {
  cluster_capabilities caps;
  read_root_info(root_body, caps);
  if (caps.major == 0) return true;
  // read_root_info gives OpenSearch the Elasticsearch release it forked from (7.10), so it lands below.
  return caps.at_least(7, 14);
}

}  // namespace sf::sinks::elasticsearch
