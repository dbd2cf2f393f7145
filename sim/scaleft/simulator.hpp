// The simulated ScaleFT service: all in-memory state and the request router (API and /_sim control).
#pragma once

#include "sim/common/http_server.hpp"
#include "sim/scaleft/event_generator.hpp"
#include "sim/scaleft/event_store.hpp"
#include "sim/scaleft/fault_plan.hpp"
#include "sim/scaleft/keys.hpp"
#include "sim/scaleft/rate_limiter.hpp"
#include "sim/scaleft/sim_time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace sfsim::scaleft {

struct sim_config {
  std::string team = "acme";
  std::uint64_t seed = 1;
  nanos token_lifetime = 3600LL * ns_per_s;
  nanos rotation_expiry = 48LL * 3600 * ns_per_s;
  nanos retention = 90LL * 86400 * ns_per_s;
  std::uint64_t rate_limit = 10000;
  double odd_rate = 0.02;
  std::uint64_t objects = 180;  // users, clients and servers the events refer to
  bool tls = false;  // scheme of the Link URLs
  bool omit_last_next = false;       // no rel="next" on a page that reaches the end of the listing
  bool refuse_aged_offsets = false;  // 400 for an offset whose event is older than the retention
  std::chrono::milliseconds default_stall{120'000};
  std::chrono::milliseconds default_trickle_pause{20};
};

class simulator {
 public:
  explicit simulator(sim_config cfg);

  // The http_server handler: synchronous, over in-memory state, on the one io_context thread.
  reply handle(request& req);

  void preload(std::uint64_t n, nanos span);
  void add_events(std::uint64_t n);  // at the current simulated time
  key_registry& keys() { return keys_; }
  fault_plan& faults() { return faults_; }
  sim_clock& clock() { return clock_; }
  const sim_config& config() const { return cfg_; }
  const event_store& store() const { return store_; }
  // Used in Link URLs when a request has no Host header (HTTP/1.0).
  void set_fallback_host(std::string host) { fallback_host_ = std::move(host); }

 private:
  reply handle_api(request& req, const split_target& target);
  reply handle_control(request& req, const split_target& target);

  reply token_exchange(request& req, const std::string& team);
  reply audits(request& req, const split_target& target, const token_info& who);
  reply key_call(request& req, const std::string& user, const std::optional<std::string>& key_id,
                 const token_info& who);
  std::optional<reply> apply_fault(request& req, const fault_rule& f, endpoint where);
  void mangle(reply& r, const fault_rule& f);

  reply error(http::status st, std::string_view code, std::string_view message) const;
  // Counts one request against `user`'s hourly budget; the 429 reply when it is spent.
  std::optional<reply> charge(const std::string& user);
  std::string state_json() const;
  void record(std::string_view where, unsigned status);

  sim_config cfg_;
  sim_clock clock_;
  event_generator generator_;
  event_store store_;
  key_registry keys_;
  rate_limiter limiter_;
  fault_plan faults_;
  std::string fallback_host_ = "127.0.0.1";
  std::optional<rate_decision> current_rate_;  // of the request being handled
  std::uint64_t events_served_ = 0;
  bool short_page_ = false;  // the request being handled drew a short_page fault
  std::map<std::string, std::map<unsigned, std::uint64_t>> requests_;
};

}  // namespace sfsim::scaleft
