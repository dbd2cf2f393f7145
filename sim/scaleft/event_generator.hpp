// Deterministic audit events: realistic details.type values and pre-rendered related objects, for a seed.
#pragma once

#include "sim/scaleft/rng.hpp"
#include "sim/scaleft/sim_time.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sfsim::scaleft {

// Every related object, rendered once as `"KEY":{"type":...,"object":...}` so a page only concatenates.
struct related_pool {
  std::vector<std::string> keys;
  std::vector<std::string> rendered;
  std::uint32_t add(std::string key, std::string entry) {
    keys.push_back(std::move(key));
    rendered.push_back(std::move(entry));
    return static_cast<std::uint32_t>(keys.size() - 1);
  }
};

struct generated_event {
  std::string id;  // base64 of 16 bytes from the seeded generator
  nanos timestamp = 0;
  std::string json;                    // the whole list entry, timestamp included
  std::vector<std::uint32_t> related;  // indices into related_pool that the event refers to
};

class event_generator {
 public:
  // `objects`: the users, clients and servers events refer to, together, split 2:3:4 (the default 180 is
  // 40, 60 and 80); projects and groups stay 8 each.
  event_generator(std::uint64_t seed, std::string team, double odd_rate, std::uint64_t objects = 180);

  // One random event at `timestamp`; a share `odd_rate` of them has odd contents (see README).
  generated_event make(nanos timestamp);
  // The audit event that a key operation leaves (service_user.key_create / key_delete).
  generated_event make_key_event(std::string_view type, std::string_view actor_user,
                                 std::string_view target_user, std::string_view key_id, nanos timestamp);
  // `n` non-decreasing timestamps spread over [from, to); now and then two share a timestamp.
  std::vector<nanos> spread(std::size_t n, nanos from, nanos to);
  // A random version-4 UUID from the same seeded stream (keys and related objects use these).
  std::string uuid();

  const related_pool& pool() const { return pool_; }
  std::uint64_t odd_events() const { return odd_events_; }

 private:
  struct field {
    std::string name;
    std::string json;  // already-rendered JSON value
  };
  std::string random_id();
  std::string trace_id();
  std::uint32_t service_user_ref(std::string_view name);
  generated_event render(std::string_view type, nanos timestamp, std::vector<field> fields,
                         std::vector<std::uint32_t> related);
  std::string ref(std::uint32_t pool_index) const;
  void build_pools(std::uint64_t objects);

  sim_rng rng_;
  std::string team_;
  double odd_rate_;
  related_pool pool_;
  std::vector<std::uint32_t> users_, clients_, servers_, projects_, groups_, malformed_;
  std::vector<std::string> user_names_, server_names_, project_names_;
  std::unordered_map<std::string, std::uint32_t> service_users_;
  std::uint64_t odd_events_ = 0;
};

}  // namespace sfsim::scaleft
