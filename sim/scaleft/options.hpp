// The scaleft-sim command line: flags, defaults and the one-line error for a bad flag.
#pragma once

#include "sim/scaleft/fault_plan.hpp"
#include "sim/scaleft/sim_time.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace sfsim::scaleft {

struct service_user_spec {
  std::string name;
  std::vector<std::string> roles;
};

struct options {
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  std::string team = "acme";
  std::uint64_t seed = 1;
  std::uint64_t events = 0;
  nanos span = 30LL * 86400 * ns_per_s;
  double rate = 0;                               // new events per second
  std::vector<service_user_spec> service_users;  // empty after parsing means the default below
  std::string credentials_dir;
  nanos token_lifetime = 3600LL * ns_per_s;
  nanos rotation_expiry = 48LL * 3600 * ns_per_s;
  std::uint64_t rate_limit = 10000;
  nanos retention = 90LL * 86400 * ns_per_s;
  double odd_rate = 0.02;
  std::uint64_t objects = 180;  // users, clients and servers together (2:3:4)
  std::vector<fault_rule> faults;
  bool omit_last_next = false;
  bool refuse_aged_offsets = false;
  std::string tls_cert;
  std::string tls_key;
  bool help = false;
};

// The default service user: what the forwarder needs (read audits, rotate its own key).
service_user_spec default_service_user();

// argv without the program name. Error: one line naming the flag and what was wrong with it.
std::variant<options, std::string> parse_options(const std::vector<std::string>& args);

std::string usage();

}  // namespace sfsim::scaleft
