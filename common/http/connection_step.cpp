// Names of the connection steps, as test-connection prints them.
#include "common/http/connection_step.hpp"

namespace sf::http {

std::string_view step_name(step_kind kind) {
  switch (kind) {
    case step_kind::dns: return "dns";
    case step_kind::tcp: return "tcp";
    case step_kind::proxy: return "proxy";
    case step_kind::tls: return "tls";
  }
  return "?";
}

}  // namespace sf::http
