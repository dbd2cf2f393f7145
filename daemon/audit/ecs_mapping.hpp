// ECS classification and message template of each ScaleFT audit type (details.type): one table, no I/O.
#pragma once

#include <span>
#include <string_view>

namespace sf::audit {

// The ECS release the documents follow (ecs.version). Every field the renderer writes exists with the
// documented type in this release; a bump means checking the field reference in the README again.
inline constexpr std::string_view ecs_version = "8.11.0";

// One row per details.type the project knows (those scaleft-sim emits and those seen in the tests). The
// arrays are JSON text, copied into documents as they are.
struct event_type_row {
  std::string_view action;    // details.type, also event.action
  std::string_view category;  // event.category, e.g. ["iam"]
  std::string_view type;      // event.type, e.g. ["user","creation"]
  std::string_view outcome;   // event.outcome: success | failure
  // The one-line `message`: literal text and placeholders, each replaced by a name from the event's related
  // objects or, when the event does not name one, by the fallback phrase in brackets:
  //   {actor}        the user who acted (details.actor, else details.user)     [an unknown user]
  //   {target_user}  the user acted upon (target_user, service_user, user)     [an unknown user]
  //   {client}       the first client the event references (its hostname)     [an unknown client]
  //   {server}       the first server the event references (its hostname)     [an unknown server]
  //   {project}      the first project the event references (its name)         [an unknown project]
  //   {group}        the first group the event references (its name)           [an unknown group]
  //   {action}       details.type
  // A fallback phrase that starts the message is capitalised.
  std::string_view message;
};

// The whole table, sorted by action (the README's "Event types" table lists the same rows; a test compares).
std::span<const event_type_row> event_type_table();

// The row of `action`, or nullptr for a type the table does not hold. An unknown type still gets
// event.kind "event" and event.action, but no event.category, event.type or event.outcome (nothing is
// guessed), and the message `unknown_type_message`.
const event_type_row* find_event_type(std::string_view action);

// The message of an event whose type is not in the table, and of one without a string details.type.
inline constexpr std::string_view unknown_type_message = "{actor} performed {action}";
inline constexpr std::string_view no_type_message = "ScaleFT audit event without a type";

}  // namespace sf::audit
