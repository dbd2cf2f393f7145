// Routing of the operator endpoint: liveness, readiness with a JSON reason, Prometheus metrics.
#include "daemon/ops/routes.hpp"

namespace sf::ops {

http_reply route(const telemetry& t, std::chrono::milliseconds ready_window, std::string_view method,
                 std::string_view target, sys_time now, steady_time mono, const process_sample* process) {
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "only GET and HEAD\n"};
  const auto path = target.substr(0, target.find('?'));
  // Answering at all proves the event loop turns: this handler runs on it.
  if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (path == "/readyz") {
    auto r = check_ready(t, mono, ready_window);
    return {r.ready ? 200u : 503u, "application/json", r.json()};
  }
  if (path == "/metrics") {
    std::string text = render_prometheus(t, now, mono);
    if (process) text += render_process_metrics(*process);
    return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(text)};
  }
  return {404, "text/plain; charset=utf-8", "not found: try /healthz, /readyz or /metrics\n"};
}

}  // namespace sf::ops
