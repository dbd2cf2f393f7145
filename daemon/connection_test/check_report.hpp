// test-connection's results: one check per step of each target, and how they are printed (text and JSON).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sf::connection_test {

enum class check_status { ok, failed, skipped };

std::string_view status_name(check_status s);  // "ok", "failed", "skipped"

struct check {
  std::string step;  // "dns", "tcp", "proxy", "tls", "auth", "audit page", "version", "privileges", ...
  check_status status = check_status::ok;
  std::string detail;  // what was found, or what failed; never a secret
  std::string hint;    // for a failure: what to change
};

struct target_report {
  std::string name;      // "source" or the sink's name
  std::string kind;      // "scaleft", "elasticsearch", "file"
  std::string endpoint;  // the URL or the file path
  std::vector<check> checks;
  bool passed() const;  // no check failed (skipped ones do not count against it)
};

// Exit status 0 only when this holds.
bool all_passed(const std::vector<target_report>& targets);

// One line per check: "<target>  <step>  <status>  <detail>[; hint: <hint>]" in aligned columns, then a
// summary line.
std::string render_text(const std::vector<target_report>& targets);

// {"ok":bool,"targets":[{"name","kind","endpoint","ok","steps":[{"step","status","detail","hint"}]}]}
std::string render_json(const std::vector<target_report>& targets);

// Marks every check from `step` on that has not run as skipped with `why` (after an earlier failure).
void skip_rest(target_report& target, const std::vector<std::string>& steps, std::string_view why);

}  // namespace sf::connection_test
