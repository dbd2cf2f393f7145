// How an Elasticsearch sink's connections are made: client options from the sink's keys, plain-http hosts.
#include "sinks/elasticsearch/client_settings.hpp"

#include "common/http/url.hpp"
#include "config/validators.hpp"

#include <algorithm>

namespace sf::sinks::elasticsearch {

http::client_options client_options_of(const config::elasticsearch_sink_config& cfg,
                                       const std::string& sink_name) {
  http::client_options o;
  o.ca_file = cfg.ca_file;
  o.ca_trusted_fingerprint = cfg.ca_trusted_fingerprint;
  if (!cfg.client_certificate.empty())
    o.identity = {cfg.client_certificate, cfg.client_key.value, cfg.client_key.source};
  o.timeout = cfg.request_timeout;
  o.proxy = {cfg.proxy_url, cfg.proxy_password.value, "sinks." + sink_name + ".proxy_url"};
  return o;
}

std::vector<std::string> insecure_http_hosts(const config::elasticsearch_sink_config& cfg) {
  std::vector<std::string> hosts;
  for (const auto& u : cfg.urls) {
    if (!config::remote_plain_http(u)) continue;
    auto parsed = http::parse_url(u);
    if (!parsed) continue;
    const std::string host = parsed->host + ":" + parsed->port;
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
  }
  return hosts;
}

}  // namespace sf::sinks::elasticsearch
