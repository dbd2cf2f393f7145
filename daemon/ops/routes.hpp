// What /healthz, /readyz and /metrics answer, decided from the telemetry alone (no sockets).
#pragma once

#include "daemon/ops/http_endpoint.hpp"
#include "daemon/ops/process_metrics.hpp"
#include "daemon/ops/telemetry.hpp"

#include <chrono>
#include <string_view>

namespace sf::ops {

// `process` (read_process_sample(), null when unknown) is appended to /metrics.
http_reply route(const telemetry& t, std::chrono::milliseconds ready_window, std::string_view method,
                 std::string_view target, sys_time now, steady_time mono,
                 const process_sample* process = nullptr);

}  // namespace sf::ops
