// Whether a server's GET / answer means its answers should carry `X-elastic-product: Elasticsearch`.
#pragma once

#include <string_view>

namespace sf::sinks::elasticsearch {

// True for an Elasticsearch that says it is 7.14 or later (the release that added the header), and for a
// 2xx GET / body that gives no readable version (not recognisably Elasticsearch). False for an older
// Elasticsearch and for OpenSearch (`version.distribution: opensearch`), which never send the header.
bool product_header_expected(std::string_view root_body);

}  // namespace sf::sinks::elasticsearch
