// ECS classification of a ScaleFT audit type (details.type): a small pure table, no I/O.
#pragma once

#include <string_view>

namespace sf::audit {

// Pre-rendered ECS values for one audit type. Empty views mean "leave the field out": an unknown type gets
// no category, type or outcome at all (the raw type still lands in event.action).
struct event_class {
  std::string_view category;  // JSON array text, e.g. ["iam"]
  std::string_view type;      // JSON array text, e.g. ["user","creation"]
  std::string_view outcome;   // "success" | "failure" | empty when the type does not say
  bool known() const { return !category.empty(); }
};

// Maps an audit type such as "auth_token.issue", "user.create" or "server.ssh_session_start" by its
// prefix (before the first dot) and its verb (after the last dot).
event_class classify_event_type(std::string_view type);

}  // namespace sf::audit
