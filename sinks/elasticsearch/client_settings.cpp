// An Elasticsearch sink's HTTP client options from its configuration.
#include "sinks/elasticsearch/client_settings.hpp"

namespace sf::sinks::elasticsearch {

http::client_options client_options_of(const config::elasticsearch_sink_config& cfg,
                                       const std::string& sink_name) {
  http::client_options o;
  o.ca_file = cfg.ca_file;
  o.timeout = cfg.request_timeout;
  o.proxy = {cfg.proxy_url, cfg.proxy_password.value, "sinks." + sink_name + ".proxy_url"};
  return o;
}

}  // namespace sf::sinks::elasticsearch
