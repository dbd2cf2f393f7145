// What the forwarder does with each ScaleFT API status code (spec section 4): a fixed table, no I/O.
#pragma once

namespace sf::retry {

enum class source_action {
  success,         // 2xx
  reauthenticate,  // 401: mint a new token and retry the same request once
  retry,           // 429, 499, 5xx: transient, retry with backoff (and honour rate-limit headers)
  config_error,    // 400, 403, 404 and other 4xx: a configuration problem; report and retry slowly
};

constexpr source_action classify_source_status(unsigned status) {
  if (status >= 200 && status < 300) return source_action::success;
  if (status == 401) return source_action::reauthenticate;
  if (status == 429 || status == 499 || status >= 500) return source_action::retry;
  return source_action::config_error;
}

}  // namespace sf::retry
