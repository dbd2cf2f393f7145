// Rendering test-connection's checks: aligned text lines for people, one JSON document for scripts.
#include "daemon/connection_test/check_report.hpp"

#include "common/json/json_escape.hpp"

#include <algorithm>

namespace sf::connection_test {

std::string_view status_name(check_status s) {
  switch (s) {
    case check_status::ok: return "ok";
    case check_status::failed: return "failed";
    case check_status::skipped: return "skipped";
  }
  return "?";
}

bool target_report::passed() const {
  return std::none_of(checks.begin(), checks.end(), [](const check& c) { return c.status == check_status::failed; });
}

bool all_passed(const std::vector<target_report>& targets) {
  return std::all_of(targets.begin(), targets.end(), [](const target_report& t) { return t.passed(); });
}

namespace {

void pad(std::string& out, std::string_view text, std::size_t width) {
  out += text;
  out.append(width > text.size() ? width - text.size() : 0, ' ');
}

void field(std::string& out, std::string_view name, std::string_view value) {
  json::append_json_string(out, name);
  out += ':';
  json::append_json_string(out, value);
}

}  // namespace

std::string render_text(const std::vector<target_report>& targets) {
  std::size_t name_w = 0, step_w = 0;
  std::size_t total = 0, failed = 0;
  for (const auto& t : targets) {
    name_w = std::max(name_w, t.name.size());
    for (const auto& c : t.checks) step_w = std::max(step_w, c.step.size());
  }
  std::string out;
  std::vector<std::string> failures;
  for (const auto& t : targets) {
    for (const auto& c : t.checks) {
      ++total;
      if (c.status == check_status::failed) {
        ++failed;
        failures.push_back(t.name + " " + c.step);
      }
      pad(out, t.name, name_w + 2);
      pad(out, c.step, step_w + 2);
      std::string line_rest;
      pad(line_rest, status_name(c.status), 9);
      line_rest += c.detail;
      if (!c.hint.empty()) line_rest += (c.detail.empty() ? "hint: " : "; hint: ") + c.hint;
      while (!line_rest.empty() && line_rest.back() == ' ') line_rest.pop_back();
      out += line_rest;
      out += '\n';
    }
  }
  if (failed == 0) {
    out += "all " + std::to_string(total) + " checks passed\n";
  } else {
    out += std::to_string(failed) + " of " + std::to_string(total) + " checks failed:";
    for (std::size_t i = 0; i < failures.size(); ++i) out += (i ? ", " : " ") + failures[i];
    out += '\n';
  }
  return out;
}

std::string render_json(const std::vector<target_report>& targets) {
  std::string out = "{\"ok\":";
  out += all_passed(targets) ? "true" : "false";
  out += ",\"targets\":[";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    if (i) out += ',';
    out += '{';
    field(out, "name", t.name);
    out += ',';
    field(out, "kind", t.kind);
    out += ',';
    field(out, "endpoint", t.endpoint);
    out += ",\"ok\":";
    out += t.passed() ? "true" : "false";
    out += ",\"steps\":[";
    for (std::size_t j = 0; j < t.checks.size(); ++j) {
      const auto& c = t.checks[j];
      if (j) out += ',';
      out += '{';
      field(out, "step", c.step);
      out += ',';
      field(out, "status", status_name(c.status));
      out += ',';
      field(out, "detail", c.detail);
      out += ',';
      field(out, "hint", c.hint);
      out += '}';
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

void skip_rest(target_report& target, const std::vector<std::string>& steps, std::string_view why) {
  for (const auto& s : steps) {
    const bool present =
        std::any_of(target.checks.begin(), target.checks.end(), [&](const check& c) { return c.step == s; });
    if (!present) target.checks.push_back({s, check_status::skipped, std::string(why), ""});
  }
}

}  // namespace sf::connection_test
