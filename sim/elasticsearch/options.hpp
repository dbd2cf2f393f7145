// The es-sim command line: flags, defaults and the one-line error for a bad flag.
#pragma once

#include "sim/elasticsearch/fault_plan.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace sfsim::es {

struct options {
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;  // clients must present a certificate issued by this CA (mutual TLS)
  std::string api_key_file;
  std::string basic_file;
  std::string bearer_file;
  std::vector<std::string> data_stream_patterns{"logs-*-*"};
  std::uint64_t max_content_length = 100ULL * 1024 * 1024;
  std::vector<fault_rule> faults;
  std::string version = "8.15.0";
  std::uint64_t seed = 1;
  bool no_builtin_templates = false;
  bool no_xpack = false;
  bool no_security = false;  // xpack.security.enabled: false
  std::uint64_t rollover_max_docs = 0;
  std::vector<std::string> lacking_privileges;
  bool help = false;
};

// "100mb", "512kb", "1gb", "1048576b" or a bare byte count, as Elasticsearch byte-size settings.
std::variant<std::uint64_t, std::string> parse_byte_size(std::string_view text);

// argv without the program name. Error: one line naming the flag and what was wrong with it.
std::variant<options, std::string> parse_options(const std::vector<std::string>& args);

std::string usage();

}  // namespace sfsim::es
