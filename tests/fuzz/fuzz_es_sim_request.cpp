// Fuzz target: es-sim's request handling (REST endpoints, _bulk with gzip/deflate bodies, /_sim control),
// from raw HTTP bytes.
#include "sim/elasticsearch/es_server.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/http_requests.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh simulator per input: a finding must replay from its input alone.
  sfsim::es::es_sim sim(sfsim::es::server_config{});
  sf::fuzz::for_each_request(sf::fuzz::as_text(data, size), 4,
                             [&](sfsim::request& req) { sf::fuzz::check_reply(sim.handle(req)); });
  return 0;
}
