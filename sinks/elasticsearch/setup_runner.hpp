// `setup` against a live cluster: discover what it offers, then put each object unless it is already there.
#pragma once

#include "config/config.hpp"
#include "common/http/client.hpp"
#include "sinks/elasticsearch/setup_plan.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace sf::sinks::elasticsearch {

struct setup_line {
  std::string kind;
  std::string name;
  std::string outcome;  // "created", "updated", "already up to date" or "refused: <status> <reason>"
  bool refused = false;
};

struct setup_report {
  std::vector<setup_line> lines;
  std::vector<std::string> warnings;
  std::string version;   // the cluster's version.number
  std::string error;     // a transport failure before anything was decided (nothing was changed)
  bool pipeline_set = false;  // our pipeline is the indices' default pipeline: it sets event.ingested
  bool ok() const;            // no error and nothing refused
};

// Runs setup for `cfg` over `client` (whose origin is `base`, a URL's path prefix), authenticating with
// `authorization` (a header value, possibly empty).
boost::asio::awaitable<setup_report> run_setup(http::client& client, const std::string& base,
                                               const std::string& authorization,
                                               const config::elasticsearch_sink_config& cfg);

}  // namespace sf::sinks::elasticsearch
