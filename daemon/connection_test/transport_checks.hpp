// The dns, tcp, proxy and tls checks of one target, from the steps its HTTP client reported while connecting.
#pragma once

#include "common/http/connection_step.hpp"
#include "daemon/connection_test/check_report.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sf::connection_test {

struct transport_context {
  bool tls = false;               // an https:// origin
  bool proxy_configured = false;  // a proxy is in use for this origin (a missing proxy step is then "not reached")
  std::string url_key;            // the configuration key of the URL, for hints: "source.url", "sinks[elk].url"
  std::string ca_key;             // the key of the CA file: "source.ca_file", "sinks[elk].ca_file"
  std::int64_t now_unix = 0;      // for the days until the certificate expires
};

// "TLSv1.3, CN=app.scaleft.com, expires 2027-03-01 (89 days)"; "expired 2026-11-30 (2 days ago)".
std::string describe_tls(const std::string& version, const std::optional<http::certificate_info>& cert,
                         std::int64_t now_unix);

// "2027-03-01" for a Unix time (UTC).
std::string utc_date(std::int64_t unix_seconds);

// One check per step kind, in the order dns, tcp, proxy, tls, from the first report of each kind (the first
// connect). A step never reported was not reached (or, for proxy, is not configured; for tls, plain http).
std::vector<check> transport_checks(const std::vector<http::connection_step>& steps, const transport_context& ctx);

// True when `checks` holds no failure (the connection is up and requests can go on).
bool connected(const std::vector<check>& checks);

}  // namespace sf::connection_test
