// How an Elasticsearch sink's connections are made: trust, client certificate, deadline, proxy, plain-http hosts.
#pragma once

#include "common/http/client.hpp"
#include "config/config.hpp"

#include <string>
#include <vector>

namespace sf::sinks::elasticsearch {

// The HTTP client settings of every connection to the cluster of the sink named `sink_name` (the sink, setup
// and the connection tests): CA, pinned fingerprint, client certificate, request timeout, proxy (the name is
// for messages about its proxy_url).
http::client_options client_options_of(const config::elasticsearch_sink_config& cfg,
                                       const std::string& sink_name);

// The hosts that the sink reaches over plain http:// although they are not loopback (what
// allow_insecure_http let through), in URL order without repeats: the start-up warning names them.
std::vector<std::string> insecure_http_hosts(const config::elasticsearch_sink_config& cfg);

}  // namespace sf::sinks::elasticsearch
