// Realistic auditsV2 pages: logins, SSH sessions, token issues and IAM changes over a pool of users and
// hosts.
#include "tests/audit/page_factory.hpp"

#include <cstdint>
#include <random>
#include <set>
#include <string>

namespace sf::audit::testing {
namespace {

std::string b64_id(std::mt19937_64& rng) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (int i = 0; i < 22; ++i) s.push_back(alphabet[rng() % 64]);
  return s + "==";
}

std::string uuid(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 36; ++i) s.push_back(i == 8 || i == 13 || i == 18 || i == 23 ? '-' : hex[rng() % 16]);
  return s;
}

}  // namespace

std::string make_realistic_page(std::size_t events, unsigned seed) {
  std::mt19937_64 rng(seed);
  constexpr int n_users = 60, n_clients = 40, n_servers = 80;
  std::string user_key[n_users], client_key[n_clients], server_key[n_servers];
  for (auto& k : user_key) k = b64_id(rng);
  for (auto& k : client_key) k = b64_id(rng);
  for (auto& k : server_key) k = b64_id(rng);
  std::set<int> used_users, used_clients, used_servers;

  static constexpr const char* types[] = {
      "auth_token.issue", "server.ssh_session_start", "server.ssh_session_end", "server.sudo",
      "user.create",      "group.add_user",           "project.update"};
  std::string page = "{\"list\":[";
  for (std::size_t i = 0; i < events; ++i) {
    const int u = static_cast<int>(rng() % n_users), c = static_cast<int>(rng() % n_clients),
              s = static_cast<int>(rng() % n_servers), t = static_cast<int>(rng() % 7);
    used_users.insert(u);
    used_clients.insert(c);
    if (i) page += ',';
    page += "{\"id\":\"" + b64_id(rng) + "\",\"timestamp\":\"2026-11-27T18:";
    page += std::to_string(10 + i % 50) + ":" + std::to_string(10 + i % 49) + "." +
            std::to_string(100000000 + rng() % 899999999) + "Z\",\"details\":{\"type\":\"" + types[t] +
            "\",\"actor\":\"" + user_key[u] + "\",\"client\":\"" + client_key[c] + "\"";
    if (t >= 1 && t <= 3) {
      used_servers.insert(s);
      page += ",\"server\":\"" + server_key[s] + "\",\"target_server\":\"" + server_key[s] +
              "\",\"session_id\":\"" + uuid(rng) + "\",\"remote_addr\":\"10.20." +
              std::to_string(rng() % 255) + "." + std::to_string(rng() % 255) + ":" +
              std::to_string(40000 + rng() % 20000) + "\",\"principal\":\"" + "svc_deploy" +
              "\",\"command\":\"/usr/bin/systemctl restart nginx\"";
    } else if (t >= 4) {
      const int other = static_cast<int>(rng() % n_users);
      used_users.insert(other);
      page += ",\"user\":\"" + user_key[other] + "\",\"project_name\":\"prod-web-" +
              std::to_string(rng() % 9) +
              "\",\"group_name\":\"sre-oncall\",\"changes\":{\"server_account_permissions\":[\"sudo\"],"
              "\"old_value\":null,\"new_value\":{\"admin\":true}}";
    } else {
      page += ",\"session_type\":\"authenticated_client\",\"target_server\":\"\"";
    }
    page += ",\"team_name\":\"acme-production\",\"trace_id\":\"" + b64_id(rng) +
            "\",\"via\":null,\"user_agent\":\"ScaleFT/1.75.0 (darwin; amd64) "
            "sft/1.75.0\",\"client_ip\":\"198.51.100." +
            std::to_string(rng() % 255) + "\",\"okta_org\":\"acme.okta.com\",\"request_id\":\"" + uuid(rng) +
            "\",\"geo\":{\"country\":\"US\",\"region\":\"California\",\"city\":\"San Francisco\"}," +
            "\"credential\":{\"fingerprint\":\"SHA256:" + b64_id(rng) + b64_id(rng) + "\",\"serial\":\"" +
            uuid(rng) +
            "\",\"kex\":\"curve25519-sha256\",\"cipher\":\"chacha20-poly1305@openssh.com\",\"valid_seconds\":"
            "300}}}";
  }
  page += "],\"related_objects\":{";
  bool first = true;
  auto sep = [&] {
    if (!first) page += ',';
    first = false;
  };
  for (int u : used_users) {
    sep();
    const std::string name = "Jason.Compson." + std::to_string(u);
    page += "\"" + user_key[u] + "\":{\"type\":\"user\",\"object\":{\"id\":\"" + uuid(rng) +
            "\",\"name\":\"" + name +
            "\",\"status\":\"ACTIVE\",\"user_type\":\"human\",\"details\":{\"email\":\"" + name +
            "@example.com\",\"full_name\":\"Jason Compson " + std::to_string(u) +
            "\",\"first_name\":\"Jason\",\"last_name\":\"Compson\"}}}";
  }
  for (int c : used_clients) {
    sep();
    page += "\"" + client_key[c] + "\":{\"type\":\"client\",\"object\":{\"id\":\"" + uuid(rng) +
            "\",\"hostname\":\"laptop-" + std::to_string(c) +
            "\",\"os\":\"macOS 14.6.1\",\"description\":\"Personal laptop\",\"state\":\"ACTIVE\","
            "\"user_name\":\"Jason.Compson.IV\"}}";
  }
  for (int s : used_servers) {
    sep();
    page += "\"" + server_key[s] + "\":{\"type\":\"server\",\"object\":{\"id\":\"" + uuid(rng) +
            "\",\"hostname\":\"web-" + std::to_string(s) +
            ".prod.acme.internal\",\"os\":\"Ubuntu 22.04.4 LTS\",\"os_type\":\"linux\",\"project_name\":"
            "\"prod-web\",\"access_address\":\"10.0.0." +
            std::to_string(s) + "\",\"state\":\"ACTIVE\"}}";
  }
  page += "}}";
  return page;
}

std::string make_distinct_objects_page(std::size_t events, unsigned page_no,
                                       const std::vector<std::string>& types) {
  std::string list, related;
  auto add_related = [&](const std::string& key, const std::string& entry) {
    if (!related.empty()) related += ',';
    related += "\"" + key + "\":" + entry;
  };
  for (std::size_t i = 0; i < events; ++i) {
    // Every name, id and key carries the page and the event: no two events share an object.
    const std::string n = std::to_string(page_no) + "-" + std::to_string(i);
    const std::string actor = "KA" + n + "==", client = "KC" + n + "==", server = "KS" + n + "==",
                      project = "KP" + n + "==", group = "KG" + n + "==", target = "KT" + n + "==",
                      odd = "KM" + n + "==";
    add_related(actor, "{\"type\":\"user\",\"object\":{\"id\":\"u-" + n + "\",\"name\":\"user." + n +
                           "\",\"status\":\"ACTIVE\",\"user_type\":\"human\",\"details\":{\"email\":\"user." +
                           n + "@example.com\",\"full_name\":\"User " + n +
                           "\",\"first_name\":\"User\",\"last_name\":\"" + n + "\"}}}");
    add_related(target, "{\"type\":\"user\",\"object\":{\"id\":\"t-" + n + "\",\"name\":\"target." + n +
                            "\",\"status\":\"DISABLED\",\"user_type\":\"service\",\"details\":{}}}");
    add_related(client, "{\"type\":\"client\",\"object\":{\"id\":\"c-" + n + "\",\"hostname\":\"laptop-" + n +
                            "\",\"os\":\"macOS 13.4\",\"description\":\"Personal laptop\","
                            "\"state\":\"ACTIVE\",\"user_name\":\"user." +
                            n + "\"}}");
    add_related(server, "{\"type\":\"server\",\"object\":{\"id\":\"s-" + n + "\",\"hostname\":\"node-" + n +
                            ".prod.internal\",\"project_name\":\"project-" + n +
                            "\",\"access_address\":\"10.1.2." + std::to_string(i % 250) +
                            "\",\"os\":\"Debian 12\",\"os_type\":\"linux\",\"state\":\"ACTIVE\","
                            "\"registered_at\":\"2020-01-02T10:00:00Z\"}}");
    add_related(project, "{\"type\":\"project\",\"object\":{\"id\":\"p-" + n + "\",\"name\":\"project-" + n +
                             "\",\"team\":\"acme\",\"create_server_users\":true,"
                             "\"require_preauthorization\":false,\"deleted_at\":null}}");
    add_related(group, "{\"type\":\"group\",\"object\":{\"id\":\"g-" + n + "\",\"name\":\"group-" + n +
                           "\",\"roles\":[\"access_user\"],\"deleted_at\":null}}");

    std::string actor_json = "\"" + actor + "\"";
    std::string extra, malformed;  // malformed: an odd related_objects entry the actor points to
    switch (i % 12) {
      case 1:
        actor_json = "null";
        break;
      case 2:
        actor_json = std::to_string(40000 + i);
        break;
      case 3:
        actor_json = "\"KX" + n + "==\"";  // not in related_objects
        break;
      case 4:
        malformed = "{\"type\":\"server\",\"object\":null}";
        break;
      case 5:
        malformed = "{\"object\":{\"id\":\"m-" + n + "\",\"name\":\"ghost\"}}";
        break;
      case 6:
        malformed = "{\"type\":\"user\",\"object\":\"deleted\"}";
        break;
      case 7:
        malformed = "\"an entry that is not an object\"";
        break;
      case 8:
        malformed = "[1,{\"two\":2}]";
        break;
      case 9:
        malformed = "{\"type\":7,\"object\":{\"id\":\"m-" + n + "\"},\"unexpected\":{\"a\":1}}";
        break;
      case 10:  // one object named by two fields, and lists of references
        extra = ",\"user\":\"" + actor + "\",\"users\":[\"" + target + "\",\"" + actor + "\",\"KX" + n +
                "==\",7,null]";
        break;
      case 11:  // an object no event names
        add_related("KU" + n + "==",
                    "{\"type\":\"user\",\"object\":{\"id\":\"n-" + n + "\",\"name\":\"nobody." + n + "\"}}");
        break;
      default:
        break;
    }
    if (!malformed.empty()) {
      add_related(odd, malformed);
      actor_json = "\"" + odd + "\"";
    }
    const std::string& type = types[i % types.size()];
    if (i) list += ',';
    list += "{\"id\":\"E" + n + "\",\"timestamp\":\"2026-11-27T18:00:00." + std::to_string(100000000 + i) +
            "Z\",\"details\":{";
    if (!type.empty()) list += "\"type\":\"" + type + "\",";
    list += "\"actor\":" + actor_json + ",\"client\":\"" + client + "\",\"target_server\":\"" + server +
            "\",\"project\":\"" + project + "\",\"group\":\"" + group + "\",\"target_user\":\"" + target +
            "\"" + extra + ",\"session_id\":\"sess-" + n + "\",\"team_name\":\"acme\",\"trace_id\":\"T" + n +
            "\",\"via\":null,\"geo\":{\"country\":\"US\",\"city\":\"Oxford\"}}}";
  }
  return "{\"list\":[" + list + "],\"related_objects\":{" + related + "}}";
}

}  // namespace sf::audit::testing
