// How an Elasticsearch sink's connections are made: trust, client certificate, deadline, plain-http hosts.
#pragma once

#include "common/http/client.hpp"
#include "config/config.hpp"

#include <string>
#include <vector>

namespace sf::sinks::elasticsearch {

// The HTTP client settings of every connection to the sink's cluster (the sink, setup and connection tests).
http::client_options client_options_of(const config::elasticsearch_sink_config& cfg);

// The hosts that the sink reaches over plain http:// although they are not loopback (what
// allow_insecure_http let through), in URL order without repeats: the start-up warning names them.
std::vector<std::string> insecure_http_hosts(const config::elasticsearch_sink_config& cfg);

}  // namespace sf::sinks::elasticsearch
