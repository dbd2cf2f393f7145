// The on_rotate hook's contract without I/O: its standard input, its environment, what a failure means.
#include "daemon/keys/on_rotate.hpp"

#include "common/json/json_escape.hpp"
#include "common/log/logger.hpp"

#include <unistd.h>

#include <algorithm>

namespace sf::keys {

namespace {

constexpr std::size_t min_secret_substring = 6;

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (out.size() > 1) out += ',';
  out += '"';
  out += name;
  out += "\":\"";
  json::append_json_escaped(out, value);
  out += '"';
}

}  // namespace

std::string hook_input_json(const hook_input& in) {
  std::string out = "{";
  append_field(out, "key_id", in.key_id);
  append_field(out, "key_secret", in.key_secret);
  append_field(out, "team", in.team);
  append_field(out, "service_user", in.service_user);
  append_field(out, "previous_key_id", in.previous_key_id);
  out += "}\n";
  return out;
}

std::vector<std::string> hook_environment(const std::vector<std::string>& environment,
                                          const std::vector<std::string>& secrets) {
  std::vector<std::string> out;
  for (const auto& entry : environment) {
    const auto eq = entry.find('=');
    const std::string_view name = std::string_view(entry).substr(0, eq);
    const std::string_view value =
        eq == std::string::npos ? std::string_view() : std::string_view(entry).substr(eq + 1);
    if (name == "SF_TEST_CRASH_AT") continue;
    // A secret of a few characters would match inside PATH and the like: those only match a whole value.
    const bool holds_secret = std::any_of(secrets.begin(), secrets.end(), [&](const std::string& s) {
      if (s.empty()) return false;
      return s.size() >= min_secret_substring ? value.find(s) != std::string_view::npos : value == s;
    });
    if (!holds_secret) out.push_back(entry);
  }
  return out;
}

std::vector<std::string> process_environment_entries() {
  std::vector<std::string> out;
  for (char** e = ::environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace sf::keys
