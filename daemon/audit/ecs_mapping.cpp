// The table behind find_event_type: one row per ScaleFT audit type, with its ECS values and message.
#include "daemon/audit/ecs_mapping.hpp"

#include <algorithm>
#include <array>

namespace sf::audit {
namespace {

// ECS allows per category only some types (iam: user, group, creation, change, deletion, info, admin;
// authentication and session: start, end, info; process: start, end, info; configuration: creation, change,
// deletion, info, access); every row keeps to those. Outcomes are those of a recorded action: the audit log
// holds what happened, so only the explicit deny/failed types are failures.
// Keep the rows sorted by action, as the README lists them (a test checks the order).
constexpr std::array rows{
    event_type_row{"auth_token.deny", R"(["authentication"])", R"(["start"])", "failure",
                   "{actor} was denied an auth token on {client}"},
    event_type_row{"auth_token.issue", R"(["authentication"])", R"(["start"])", "success",
                   "{actor} was issued an auth token on {client}"},
    event_type_row{"auth_token.revoke", R"(["authentication"])", R"(["end"])", "success",
                   "The auth token of {actor} on {client} was revoked"},
    event_type_row{"client.enroll", R"(["configuration"])", R"(["creation"])", "success",
                   "{actor} enrolled the client {client}"},
    event_type_row{"group.add_user", R"(["iam"])", R"(["group","change"])", "success",
                   "{actor} added {target_user} to the group {group}"},
    event_type_row{"group.create", R"(["iam"])", R"(["group","creation"])", "success",
                   "{actor} created the group {group}"},
    event_type_row{"group.delete", R"(["iam"])", R"(["group","deletion"])", "success",
                   "{actor} deleted the group {group}"},
    event_type_row{"group.user_add", R"(["iam"])", R"(["group","change"])", "success",
                   "{actor} added {target_user} to the group {group}"},
    event_type_row{"group.user_remove", R"(["iam"])", R"(["group","change"])", "success",
                   "{actor} removed {target_user} from the group {group}"},
    event_type_row{"policy.create", R"(["configuration"])", R"(["creation"])", "success",
                   "{actor} created a policy in the project {project}"},
    event_type_row{"policy.delete", R"(["configuration"])", R"(["deletion"])", "success",
                   "{actor} deleted a policy in the project {project}"},
    event_type_row{"policy.update", R"(["configuration"])", R"(["change"])", "success",
                   "{actor} updated a policy in the project {project}"},
    event_type_row{"project.create", R"(["configuration"])", R"(["creation"])", "success",
                   "{actor} created the project {project}"},
    event_type_row{"project.server_enroll", R"(["configuration"])", R"(["creation"])", "success",
                   "{actor} enrolled the server {server} in the project {project}"},
    event_type_row{"project.update", R"(["configuration"])", R"(["change"])", "success",
                   "{actor} updated the project {project}"},
    event_type_row{"server.login", R"(["authentication","session"])", R"(["start"])", "success",
                   "{actor} logged in to {server}"},
    event_type_row{"server.login_failed", R"(["authentication"])", R"(["start"])", "failure",
                   "{actor} failed to log in to {server}"},
    event_type_row{"server.ssh_session_end", R"(["session"])", R"(["end"])", "success",
                   "{actor} ended an SSH session on {server}"},
    event_type_row{"server.ssh_session_start", R"(["session"])", R"(["start"])", "success",
                   "{actor} started an SSH session on {server}"},
    event_type_row{"server.sudo", R"(["process"])", R"(["start"])", "success",
                   "{actor} ran a command with sudo on {server}"},
    event_type_row{"service_user.key_create", R"(["iam"])", R"(["user","creation"])", "success",
                   "{actor} created an API key for {target_user}"},
    event_type_row{"service_user.key_delete", R"(["iam"])", R"(["user","deletion"])", "success",
                   "{actor} deleted an API key of {target_user}"},
    event_type_row{"user.create", R"(["iam"])", R"(["user","creation"])", "success",
                   "{actor} created the user {target_user}"},
    event_type_row{"user.delete", R"(["iam"])", R"(["user","deletion"])", "success",
                   "{actor} deleted the user {target_user}"},
    event_type_row{"user.disable", R"(["iam"])", R"(["user","change"])", "success",
                   "{actor} disabled the user {target_user}"},
    event_type_row{"user.update", R"(["iam"])", R"(["user","change"])", "success",
                   "{actor} updated the user {target_user}"},
    event_type_row{"user_creds.issue", R"(["authentication"])", R"(["start"])", "success",
                   "{actor} was issued server credentials for {server}"},
};

}  // namespace

std::span<const event_type_row> event_type_table() {
  return rows;
}

namespace {

// Length first, then bytes: most steps of the search compare two integers instead of two strings.
constexpr bool shorter_or_before(std::string_view a, std::string_view b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// The rows in that order, built once at compile time (the table itself stays sorted by name, as the README
// lists it).
constexpr auto by_length = [] {
  std::array<const event_type_row*, rows.size()> index{};
  for (std::size_t i = 0; i < rows.size(); ++i) index[i] = &rows[i];
  std::sort(index.begin(), index.end(), [](const event_type_row* a, const event_type_row* b) {
    return shorter_or_before(a->action, b->action);
  });
  return index;
}();

}  // namespace

const event_type_row* find_event_type(std::string_view action) {
  const auto it = std::lower_bound(by_length.begin(), by_length.end(), action,
                                   [](const event_type_row* r, std::string_view a) {
                                     return shorter_or_before(r->action, a);
                                   });
  return it != by_length.end() && (*it)->action == action ? *it : nullptr;
}

}  // namespace sf::audit
