// How every user of an Elasticsearch sink's configuration (the sink, setup) builds its HTTP client options.
#pragma once

#include "common/http/client.hpp"
#include "config/config.hpp"

#include <string>

namespace sf::sinks::elasticsearch {

// CA file, request timeout and proxy of the sink named `sink_name` (for messages about its proxy_url).
http::client_options client_options_of(const config::elasticsearch_sink_config& cfg,
                                       const std::string& sink_name);

}  // namespace sf::sinks::elasticsearch
