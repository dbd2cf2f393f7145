// The ScaleFT source stack of one test (client, API wrapper, rate limiter, reader) against the scripted fake.
#pragma once

#include "config/config.hpp"
#include "daemon/source/audit_reader.hpp"
#include "daemon/source/rate_limiter.hpp"
#include "daemon/source/scaleft_api.hpp"
#include "daemon/source/source_client.hpp"
#include "tests/support/run_bounded.hpp"
#include "tests/support/scripted_scaleft.hpp"
#include "tests/support/stop_after.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace sf::test {

// Wired as the forwarder wires it: every response feeds the rate limiter. Fast retries, so that a test of
// a retry takes milliseconds; the page size is small so that paging shows.
class source_rig {
 public:
  source_rig() : fake(io) {
    source.url = fake.url();
    source.team = fake.team();
    source.key_id = "key-1";
    source.key_secret.value = "secret-1";
    source.page_size = 3;
    source.request_timeout = std::chrono::seconds(5);
    retry.initial_backoff = std::chrono::milliseconds(10);
    retry.max_backoff = std::chrono::milliseconds(50);
    retry.config_error_backoff = std::chrono::milliseconds(50);
    client = std::make_unique<http::client>(io.get_executor(), source::source_url(source),
                                            source::source_client_options(source));
    api = std::make_unique<source::scaleft_api>(*client, source.team,
                                                source::api_key{source.key_id, source.key_secret.value}, &limiter);
    reader = std::make_unique<source::audit_reader>(*api, source, retry);
  }

  boost::asio::io_context io;
  scripted_scaleft fake;
  config::source_config source;
  config::retry_config retry;
  source::rate_limiter limiter;
  std::unique_ptr<http::client> client;
  std::unique_ptr<source::scaleft_api> api;
  std::unique_ptr<source::audit_reader> reader;
};

}  // namespace sf::test
