// The table behind classify_event_type: prefixes pick the ECS category, verbs pick the type and outcome.
#include "daemon/audit/ecs_mapping.hpp"

#include <initializer_list>

namespace sf::audit {
namespace {

enum class verb { none, start, end, creation, deletion, change };

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

bool any_of(std::string_view s, std::initializer_list<std::string_view> words) {
  for (const auto w : words) {
    if (s == w) return true;
  }
  return false;
}

// The verb of the last segment ("create", "key_delete", "session_start", ...).
verb verb_of(std::string_view last) {
  if (any_of(last, {"create", "created", "add", "added", "enroll", "enrolled", "register", "key_create",
                    "import", "imported"})) {
    return verb::creation;
  }
  if (any_of(last, {"delete", "deleted", "remove", "removed", "destroy", "unenroll", "key_delete",
                    "key_expire", "purge"})) {
    return verb::deletion;
  }
  if (any_of(last,
             {"update", "updated", "change", "changed", "modify", "rename", "enable", "disable", "activate",
              "deactivate", "suspend", "unsuspend", "set", "grant", "revoke", "attach", "detach"}) ||
      last.starts_with("add_") || last.starts_with("remove_") || last.starts_with("update_") ||
      last.starts_with("set_")) {
    return verb::change;
  }
  if (contains(last, "start") || contains(last, "login") || contains(last, "open") ||
      contains(last, "begin") || contains(last, "issue") || contains(last, "connect")) {
    return contains(last, "disconnect") ? verb::end : verb::start;
  }
  if (contains(last, "end") || contains(last, "logout") || contains(last, "close") ||
      contains(last, "expire") || contains(last, "terminate") || contains(last, "stop")) {
    return verb::end;
  }
  return verb::none;
}

bool is_failure(std::string_view type) {
  return contains(type, "fail") || contains(type, "deny") || contains(type, "denied") ||
         contains(type, "reject");
}

std::string_view outcome_of(std::string_view type, verb v) {
  if (is_failure(type)) return "failure";
  return v == verb::none ? std::string_view{} : std::string_view{"success"};
}

// Session-like types: logins, SSH/RDP connections, sessions through a gateway.
bool is_session(std::string_view type) {
  return contains(type, "login") || contains(type, "logout") || contains(type, "ssh") ||
         contains(type, "rdp") || contains(type, "session");
}

event_class iam(std::string_view type, verb v, bool group) {
  event_class c{"[\"iam\"]", {}, outcome_of(type, v)};
  switch (v) {
    case verb::creation:
      c.type = group ? "[\"group\",\"creation\"]" : "[\"user\",\"creation\"]";
      break;
    case verb::deletion:
      c.type = group ? "[\"group\",\"deletion\"]" : "[\"user\",\"deletion\"]";
      break;
    case verb::change:
      c.type = group ? "[\"group\",\"change\"]" : "[\"user\",\"change\"]";
      break;
    default:
      c.type = group ? "[\"group\",\"info\"]" : "[\"user\",\"info\"]";
      break;
  }
  return c;
}

event_class configuration(std::string_view type, verb v) {
  event_class c{"[\"configuration\"]", {}, outcome_of(type, v)};
  switch (v) {
    case verb::creation:
      c.type = "[\"creation\"]";
      break;
    case verb::deletion:
      c.type = "[\"deletion\"]";
      break;
    case verb::change:
      c.type = "[\"change\"]";
      break;
    default:
      c.type = "[\"info\"]";
      break;
  }
  return c;
}

}  // namespace

event_class classify_event_type(std::string_view type) {
  const auto first_dot = type.find('.');
  if (first_dot == std::string_view::npos || first_dot == 0 || first_dot + 1 == type.size()) return {};
  const std::string_view prefix = type.substr(0, first_dot);
  const std::string_view last = type.substr(type.rfind('.') + 1);
  const verb v = verb_of(last);

  if (prefix == "auth_token") {
    // A token issue is a successful authentication; revoke/expire ends it.
    event_class c{"[\"authentication\"]", "[\"info\"]", outcome_of(type, v)};
    if (v == verb::start || is_failure(last)) c.type = "[\"start\"]";
    if (v == verb::end || last == "revoke") c.type = "[\"end\"]";
    if (c.outcome.empty() && c.type != "[\"info\"]") c.outcome = "success";
    return c;
  }
  if (contains(type, "sudo")) {
    // sudo runs a command with raised privileges: a process start on the server.
    return {"[\"process\"]", "[\"start\"]", is_failure(type) ? "failure" : "success"};
  }
  if (prefix == "service_user") {
    if (last == "key_create") return {"[\"iam\"]", "[\"creation\"]", outcome_of(type, verb::creation)};
    if (last == "key_delete" || last == "key_expire") {
      return {"[\"iam\"]", "[\"deletion\"]", outcome_of(type, verb::deletion)};
    }
    return iam(type, v, false);
  }
  if (prefix == "user") return iam(type, v, false);
  if (prefix == "group") return iam(type, v, true);
  if (is_session(type)) {
    event_class c{"[\"session\"]", "[\"info\"]", outcome_of(type, v)};
    if (v == verb::start) c.type = "[\"start\"]";
    if (v == verb::end) c.type = "[\"end\"]";
    if (v == verb::none && !is_failure(type)) c.outcome = "success";  // a recorded login/ssh happened
    return c;
  }
  if (prefix == "project" || prefix == "policy" || prefix == "server" || prefix == "team" ||
      prefix == "gateway") {
    return configuration(type, v);
  }
  return {};
}

}  // namespace sf::audit
