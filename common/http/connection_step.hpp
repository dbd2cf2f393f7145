// The steps of one connect (lookup, TCP, proxy, TLS) as an observer of the client hears them: `test-connection`.
#pragma once

#include "common/http/peer_certificate.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sf::http {

enum class step_kind { dns, tcp, proxy, tls };

// "dns", "tcp", "proxy", "tls".
std::string_view step_name(step_kind kind);

struct connection_step {
  step_kind kind = step_kind::dns;
  bool ok = false;
  // dns: the addresses found; tcp: the endpoint connected to; proxy: the proxy and its answer; tls: the
  // protocol version. On failure: what failed, as the exchange's error says it.
  std::string detail;
  std::optional<certificate_info> certificate;  // tls: the server's certificate, when it presented one
};

// Called by the client as each step of a connect ends. Unset (the default): nothing is built or called.
using connection_observer = std::function<void(const connection_step&)>;

}  // namespace sf::http
