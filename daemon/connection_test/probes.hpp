// test-connection's probes: each talks to one target (the ScaleFT API, an Elasticsearch URL, a file sink's
// directory) and reports one check per step. They never change anything on the far side.
#pragma once

#include "config/config.hpp"
#include "daemon/connection_test/check_report.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

namespace sf::connection_test {

// dns, tcp, proxy, tls, auth (a bearer token minted with the key `run` would use), audit page (the newest
// event). Throws nothing: start-up errors (a CA file that does not load) are failed checks too.
boost::asio::awaitable<target_report> probe_source(const config::forwarder_config& cfg, std::int64_t now_unix);

// dns, tcp, proxy, tls, auth, version (GET /), privileges (_has_privileges) for one of the sink's URLs.
boost::asio::awaitable<target_report> probe_elasticsearch(const std::string& sink_name,
                                                          const config::elasticsearch_sink_config& cfg,
                                                          const std::string& url, std::int64_t now_unix);

// directory (exists, or can be made), write (a probe file created and removed), free space.
target_report probe_file(const std::string& sink_name, const config::file_sink_config& cfg);

}  // namespace sf::connection_test
