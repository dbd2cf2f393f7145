// Fuzz target: scaleft-sim's request handling (API and /_sim control), from raw HTTP bytes. Tokens come from
// the OS, so a request may say "Bearer @TOKEN@" (and a token exchange body "@KEY_ID@"/"@KEY_SECRET@"):
// the target substitutes a token minted for the input (and the key id in a URL), which lets the fuzzer reach
// the audits and key calls.
#include "sim/scaleft/simulator.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/http_requests.hpp"

#include <string>

namespace {

void substitute(std::string& s, std::string_view placeholder, const std::string& value) {
  for (auto at = s.find(placeholder); at != std::string::npos; at = s.find(placeholder, at + value.size())) {
    s.replace(at, placeholder.size(), value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh simulator per input: a finding must replay from its input alone.
  sfsim::scaleft::sim_config cfg;
  sfsim::scaleft::simulator sim(cfg);
  sim.keys().add_user("log-forwarder", {"reporting_user", "access_admin"});
  const auto now = sim.clock().now();
  const auto& key = sim.keys().create_key("log-forwarder", now, cfg.rotation_expiry);
  const std::string key_id = key.id;
  const std::string key_secret = key.secret;
  const auto token = sim.keys().exchange(key_id, key_secret, cfg.team, now, cfg.token_lifetime);
  sf::fuzz::check(token.has_value(), "the simulator minted no token for its own key");
  sim.preload(50, 3600LL * sfsim::scaleft::ns_per_s);

  sf::fuzz::for_each_request(sf::fuzz::as_text(data, size), 4, [&](sfsim::request& req) {
    // POST /_sim/events generates up to 10^7 events on request: the tests' own generator, not a parser.
    if (req.target().starts_with("/_sim/events") && req.method() == boost::beast::http::verb::post) return;
    std::string target(req.target());
    substitute(target, "@KEY_ID@", key_id);
    req.target(target);
    if (auto auth = req.find(boost::beast::http::field::authorization); auth != req.end()) {
      std::string value(auth->value());
      substitute(value, "@TOKEN@", *token);
      req.set(boost::beast::http::field::authorization, value);
    }
    substitute(req.body(), "@KEY_ID@", key_id);
    substitute(req.body(), "@KEY_SECRET@", key_secret);
    sf::fuzz::check_reply(sim.handle(req));
  });
  return 0;
}
