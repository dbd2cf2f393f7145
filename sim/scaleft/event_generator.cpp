// Deterministic audit events: realistic details.type values and pre-rendered related objects, for a seed.
#include "sim/scaleft/event_generator.hpp"

#include "sim/scaleft/encoding.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace sfsim::scaleft {

namespace {

constexpr std::array first_names{"Jason",  "Caddy", "Quentin", "Benjy",    "Dilsey",  "Addie", "Anse",
                                 "Darl",   "Cash",  "Jewel",   "Vardaman", "Lena",    "Joe",   "Gail",
                                 "Thomas", "Rosa",  "Judith",  "Henry",    "Charles", "Ellen"};
constexpr std::array last_names{"Compson",   "Bundren",   "Sutpen", "Grove",  "Christmas",
                                "Hightower", "Coldfield", "Bon",    "Snopes", "Varner"};
constexpr std::array oses{"macOS 10.14.6", "macOS 13.4", "Windows 10", "Ubuntu 22.04", "Fedora 38"};
constexpr std::array server_os{"Ubuntu 22.04", "Debian 12", "Amazon Linux 2", "RHEL 9",
                               "Windows Server 2019"};
constexpr std::array commands{"/usr/bin/systemctl restart nginx", "/usr/bin/apt-get upgrade -y",
                              "/bin/journalctl -u sshd", "/usr/sbin/reboot", "/usr/bin/tail /var/log/syslog"};
constexpr std::array project_words{"prod", "staging", "dev", "data", "ci", "edge", "billing", "search"};
constexpr std::array group_words{"everyone", "ops",         "dba",    "developers",
                                 "security", "contractors", "oncall", "auditors"};

// Weighted catalogue of what a team's audit log holds; logins and token issues dominate, as in real logs.
struct type_weight {
  const char* type;
  int weight;
};
constexpr std::array event_types{type_weight{"auth_token.issue", 26},
                                 type_weight{"user_creds.issue", 12},
                                 type_weight{"server.login", 12},
                                 type_weight{"server.ssh_session_start", 8},
                                 type_weight{"server.ssh_session_end", 8},
                                 type_weight{"server.sudo", 8},
                                 type_weight{"client.enroll", 3},
                                 type_weight{"user.create", 2},
                                 type_weight{"user.update", 3},
                                 type_weight{"user.disable", 1},
                                 type_weight{"group.user_add", 3},
                                 type_weight{"group.user_remove", 2},
                                 type_weight{"project.create", 1},
                                 type_weight{"project.update", 2},
                                 type_weight{"project.server_enroll", 4},
                                 type_weight{"policy.create", 1},
                                 type_weight{"policy.update", 2},
                                 type_weight{"service_user.key_create", 1},
                                 type_weight{"service_user.key_delete", 1}};

constexpr int total_weight() {
  int sum = 0;
  for (const auto& t : event_types) sum += t.weight;
  return sum;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

}  // namespace

event_generator::event_generator(std::uint64_t seed, std::string team, double odd_rate, std::uint64_t objects)
    : rng_(seed), team_(std::move(team)), odd_rate_(odd_rate) {
  build_pools(objects);
}

std::string event_generator::random_id() {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < 16; i += 8) {
    const std::uint64_t v = rng_.next();
    for (std::size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  return base64(bytes);
}

std::string event_generator::uuid() {
  return rng_.uuid_v4();
}

std::string event_generator::trace_id() {
  static constexpr char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(8, 'x');
  for (auto& c : out) c = alnum[rng_.below(62)];
  return out;
}

std::string event_generator::ref(std::uint32_t pool_index) const {
  return json_string(pool_.keys[pool_index]);
}

void event_generator::build_pools(std::uint64_t objects) {
  const std::size_t n_users = std::max<std::uint64_t>(1, objects * 2 / 9);
  const std::size_t n_clients = std::max<std::uint64_t>(1, objects * 3 / 9);
  const std::size_t n_servers = objects - n_users - n_clients;
  auto entry = [](const std::string& key, std::string_view type, const std::string& object) {
    return json_string(key) + ":{\"type\":" + json_string(type) + ",\"object\":" + object + "}";
  };
  for (std::size_t i = 0; i < n_users; ++i) {
    const std::string first = first_names[i % first_names.size()];
    const std::string last = last_names[(i * 7 + i / first_names.size()) % last_names.size()];
    // The default 40 are the first 20 and their namesakes (.II); past them each gets its number.
    std::string name = first + "." + last;
    std::string email_suffix;
    if (i >= 2 * first_names.size()) {
      name += "." + std::to_string(i);
      email_suffix = std::to_string(i);
    } else if (i >= first_names.size()) {
      name += ".II";
      email_suffix = "2";
    }
    const std::string email = lower(first + "." + last) + email_suffix + "@" + team_ + ".example";
    const bool disabled = i % 13 == 12;
    std::string obj = "{\"id\":" + json_string(uuid()) + ",\"name\":" + json_string(name) + ",\"status\":\"" +
                      (disabled ? "DISABLED" : "ACTIVE") +
                      "\",\"user_type\":\"human\",\"details\":{\"email\":" + json_string(email) +
                      ",\"full_name\":" + json_string(first + " " + last) +
                      ",\"first_name\":" + json_string(first) + ",\"last_name\":" + json_string(last) + "}}";
    const std::string key = random_id();
    users_.push_back(pool_.add(key, entry(key, "user", obj)));
    user_names_.push_back(name);
  }
  for (std::size_t i = 0; i < n_clients; ++i) {
    const std::string owner = user_names_[i % user_names_.size()];
    const std::string host = first_names[(i * 3) % first_names.size()] +
                             std::string(i % 2 ? "-laptop" : "-desktop") + std::to_string(i);
    std::string obj = "{\"id\":" + json_string(uuid()) + ",\"hostname\":" + json_string(host) +
                      ",\"os\":" + json_string(oses[i % oses.size()]) +
                      ",\"description\":" + json_string(i % 2 ? "Personal laptop" : "Office workstation") +
                      ",\"state\":\"ACTIVE\",\"user_name\":" + json_string(owner) + "}";
    const std::string key = random_id();
    clients_.push_back(pool_.add(key, entry(key, "client", obj)));
  }
  for (std::size_t i = 0; i < project_words.size(); ++i) {
    const std::string name = project_words[i];
    std::string obj =
        "{\"id\":" + json_string(uuid()) + ",\"name\":" + json_string(name) +
        ",\"team\":" + json_string(team_) +
        ",\"create_server_users\":true,\"require_preauthorization\":" + (i % 3 == 0 ? "true" : "false") +
        ",\"deleted_at\":null}";
    const std::string key = random_id();
    projects_.push_back(pool_.add(key, entry(key, "project", obj)));
    project_names_.push_back(name);
  }
  for (std::size_t i = 0; i < n_servers; ++i) {
    const std::string project = project_names_[i % project_names_.size()];
    const std::string host = project + "-node-" + std::to_string(i);
    char addr[32];
    // The default 80 in 10.0.0.0/14; past them one address each in 172.16.0.0/12.
    if (i < 80)
      std::snprintf(addr, sizeof addr, "10.%zu.%zu.%zu", i % 4, i / 4 % 250, 10 + i);
    else
      std::snprintf(addr, sizeof addr, "172.%zu.%zu.%zu", 16 + (i >> 16 & 15), i >> 8 & 255, i & 255);
    std::string obj =
        "{\"id\":" + json_string(uuid()) + ",\"hostname\":" + json_string(host) +
        ",\"project_name\":" + json_string(project) + ",\"access_address\":" + json_string(addr) +
        ",\"os\":" + json_string(server_os[i % server_os.size()]) +
        ",\"os_type\":" + (i % server_os.size() == 4 ? "\"windows\"" : "\"linux\"") +
        ",\"state\":\"ACTIVE\",\"registered_at\":\"2020-01-0" + std::to_string(1 + i % 9) + "T10:00:00Z\"}";
    const std::string key = random_id();
    servers_.push_back(pool_.add(key, entry(key, "server", obj)));
    server_names_.push_back(host);
  }
  for (std::size_t i = 0; i < group_words.size(); ++i) {
    std::string obj = "{\"id\":" + json_string(uuid()) + ",\"name\":" + json_string(group_words[i]) +
                      ",\"roles\":[" + (i == 1 ? "\"access_admin\",\"access_user\"" : "\"access_user\"") +
                      "],\"deleted_at\":null}";
    const std::string key = random_id();
    groups_.push_back(pool_.add(key, entry(key, "group", obj)));
  }
  // Malformed entries, referred to only by odd events: a null object, a missing type, a non-object.
  {
    std::string key = random_id();
    malformed_.push_back(pool_.add(key, json_string(key) + ":{\"type\":\"server\",\"object\":null}"));
    key = random_id();
    malformed_.push_back(pool_.add(
        key, json_string(key) + ":{\"object\":{\"id\":" + json_string(uuid()) + ",\"name\":\"ghost\"}}"));
    key = random_id();
    malformed_.push_back(pool_.add(key, json_string(key) + ":{\"type\":\"user\",\"object\":\"deleted\"}"));
  }
}

std::uint32_t event_generator::service_user_ref(std::string_view name) {
  if (auto it = service_users_.find(std::string(name)); it != service_users_.end()) return it->second;
  const std::string key = random_id();
  std::string obj = "{\"id\":" + json_string(uuid()) + ",\"name\":" + json_string(name) +
                    ",\"status\":\"ACTIVE\",\"user_type\":\"service\",\"details\":{}}";
  const std::uint32_t index =
      pool_.add(key, json_string(key) + ":{\"type\":\"user\",\"object\":" + obj + "}");
  service_users_.emplace(std::string(name), index);
  return index;
}

generated_event event_generator::render(std::string_view type, nanos timestamp, std::vector<field> fields,
                                        std::vector<std::uint32_t> related) {
  generated_event ev;
  ev.id = random_id();
  ev.timestamp = timestamp;
  ev.related = std::move(related);
  std::string& out = ev.json;
  out.reserve(256 + fields.size() * 48);
  out += "{\"id\":";
  append_json_string(out, ev.id);
  out += ",\"timestamp\":\"";
  append_rfc3339_nanos(out, timestamp);
  out += "\",\"details\":{";
  if (!type.empty()) {
    out += "\"type\":";
    append_json_string(out, type);
    for (const auto& f : fields) {
      out += ',';
      append_json_string(out, f.name);
      out += ':';
      out += f.json;
    }
  }
  out += "}}";
  return ev;
}

generated_event event_generator::make(nanos timestamp) {
  int pick = static_cast<int>(rng_.below(total_weight()));
  std::string_view type;
  for (const auto& t : event_types) {
    if (pick < t.weight) {
      type = t.type;
      break;
    }
    pick -= t.weight;
  }
  auto any = [&](const std::vector<std::uint32_t>& v) { return v[rng_.below(v.size())]; };
  const std::uint32_t actor = any(users_);
  std::vector<std::uint32_t> related{actor};
  std::vector<field> f;
  f.push_back({"actor", ref(actor)});
  auto add_ref = [&](const char* name, std::uint32_t index) {
    related.push_back(index);
    f.push_back({name, ref(index)});
  };
  if (type == "auth_token.issue") {
    add_ref("client", any(clients_));
    f.push_back({"session_type", "\"authenticated_client\""});
    f.push_back({"target_server", "\"\""});
  } else if (type == "user_creds.issue" || type == "server.login") {
    const std::size_t s = rng_.below(servers_.size());
    add_ref("client", any(clients_));
    add_ref("target_server", servers_[s]);
    add_ref("project", projects_[s % projects_.size()]);
    f.push_back({"username", json_string(lower(user_names_[actor % user_names_.size()]))});
    if (type == "server.login") f.push_back({"login_method", rng_.chance(0.8) ? "\"ssh\"" : "\"rdp\""});
  } else if (type == "server.ssh_session_start" || type == "server.ssh_session_end") {
    add_ref("target_server", any(servers_));
    f.push_back({"session_id", json_string(uuid())});
    if (type == "server.ssh_session_end") f.push_back({"duration_seconds", std::to_string(rng_.below(7200))});
  } else if (type == "server.sudo") {
    add_ref("target_server", any(servers_));
    f.push_back({"command", json_string(commands[rng_.below(commands.size())])});
    f.push_back({"run_as", "\"root\""});
  } else if (type == "client.enroll") {
    add_ref("client", any(clients_));
  } else if (type.starts_with("user.")) {
    add_ref("target_user", any(users_));
  } else if (type.starts_with("group.")) {
    add_ref("group", any(groups_));
    add_ref("target_user", any(users_));
  } else if (type.starts_with("project.")) {
    add_ref("project", any(projects_));
    if (type == "project.server_enroll") add_ref("target_server", any(servers_));
  } else if (type.starts_with("policy.")) {
    add_ref("project", any(projects_));
    f.push_back({"policy_name", json_string("policy-" + std::to_string(rng_.below(20)))});
  } else if (type.starts_with("service_user.")) {
    add_ref("target_user", any(users_));
    f.push_back({"key_id", json_string(uuid())});
  }
  f.push_back({"team_name", json_string(team_)});
  f.push_back({"trace_id", json_string(trace_id())});
  f.push_back({"via", "null"});

  if (odd_rate_ > 0 && rng_.chance(odd_rate_)) {
    ++odd_events_;
    switch (rng_.below(5)) {
      case 0:  // empty details
        return render("", timestamp, {}, {});
      case 1:  // a reference to an object that related_objects does not hold
        f[0].json = json_string(random_id());
        related.erase(related.begin());
        break;
      case 2: {  // a reference to a malformed related object
        const std::uint32_t bad = any(malformed_);
        f[0].json = ref(bad);
        related[0] = bad;
        break;
      }
      case 3:  // null where a reference is expected
        f[0].json = "null";
        related.erase(related.begin());
        break;
      default:  // a number where a reference is expected
        f[0].json = std::to_string(rng_.below(100000));
        related.erase(related.begin());
        break;
    }
  }
  return render(type, timestamp, std::move(f), std::move(related));
}

generated_event event_generator::make_key_event(std::string_view type, std::string_view actor_user,
                                                std::string_view target_user, std::string_view key_id,
                                                nanos timestamp) {
  const std::uint32_t actor = service_user_ref(actor_user);
  const std::uint32_t target = service_user_ref(target_user);
  std::vector<field> f{{"actor", ref(actor)},
                       {"target_user", ref(target)},
                       {"key_id", json_string(key_id)},
                       {"team_name", json_string(team_)},
                       {"trace_id", json_string(trace_id())},
                       {"via", "null"}};
  std::vector<std::uint32_t> related{actor};
  if (target != actor) related.push_back(target);
  return render(type, timestamp, std::move(f), std::move(related));
}

std::vector<nanos> event_generator::spread(std::size_t n, nanos from, nanos to) {
  std::vector<nanos> out;
  out.reserve(n);
  if (n == 0) return out;
  const nanos slot = std::max<nanos>(1, (to - from) / static_cast<nanos>(n));
  for (std::size_t i = 0; i < n; ++i) {
    // Always draw the same number of values, so ids stay the same whatever the span.
    const std::uint64_t jitter = rng_.next();
    const bool shared = rng_.chance(0.03);
    nanos t =
        from + static_cast<nanos>(i) * slot + static_cast<nanos>(jitter % static_cast<std::uint64_t>(slot));
    if (!out.empty() && (shared || t < out.back())) t = out.back();
    out.push_back(t);
  }
  return out;
}

}  // namespace sfsim::scaleft
