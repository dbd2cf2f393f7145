// What the key manager reports as it works (the key in use, rotation outcomes), to whoever keeps the metrics.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace sf::keys {

// Called on the event-loop thread when each thing happens. Times are on the local clock (the manager
// converts the service's times with the offset its Date headers showed), so "expires in" is now - expiry.
class key_observer {
 public:
  using sys_time = std::chrono::system_clock::time_point;
  virtual ~key_observer() = default;
  // The key every request uses now, with its issue and expiry times when known (a key gets an expiry when
  // another key of the service user is created: 48 h later it stops working).
  virtual void key_in_use(std::string_view key_id, std::optional<sys_time> issued_at,
                          std::optional<sys_time> expires_at) = 0;
  // A rotation finished: every request uses the new key.
  virtual void rotation_succeeded() = 0;
  // A rotation was due (or a new key waits to be switched to) and did not complete; it is tried again.
  virtual void rotation_failed(std::string_view reason) = 0;
  // key_rotation.on_rotate failed (`problem` says how and what it means), or succeeded after a failure.
  virtual void on_rotate_failed(std::string_view problem) = 0;
  virtual void on_rotate_recovered() = 0;
};

// The observer of a key manager nobody watches (the rotate-key command): it drops everything.
inline key_observer& no_key_observer() {
  struct none final : key_observer {
    void key_in_use(std::string_view, std::optional<sys_time>, std::optional<sys_time>) override {}
    void rotation_succeeded() override {}
    void rotation_failed(std::string_view) override {}
    void on_rotate_failed(std::string_view) override {}
    void on_rotate_recovered() override {}
  };
  static none n;
  return n;
}

}  // namespace sf::keys
