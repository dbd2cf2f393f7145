// Reading a section of the file by its entry in the key table: each key by its kind, groups, rules.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.hpp"
#include "config/yaml_walker.hpp"

namespace sf::config::schema {

// Where keys were written, by path ("source.poll_interval"): the line of a value that loaded without
// error, -1 for one that was reported, 0 (line() of an unknown path) for a key left to its default.
class key_lines {
 public:
  void record(const std::string& path, int line) { lines_[path] = line; }
  int line(const std::string& path) const {
    auto it = lines_.find(path);
    return it == lines_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, int> lines_;
};

struct rule_context {
  yaml_walker& walker;
  const map_view& map;
  void* section;  // the struct of the section the rule belongs to
  const key_lines& lines;
};

// The names a section accepts in the file, in table order (a secret adds `<name>_file`).
std::vector<std::string> accepted_names(const section_spec& spec);

// "a or b", "a, b or c".
std::string alternatives(const std::vector<std::string_view>& names);

class key_reader {
 public:
  explicit key_reader(yaml_walker& walker) : walker_(walker) {}

  // Rejects unknown keys (those of `spec` and `also_accepted` are known), then reads every key into
  // `section`.
  void read_section(const section_spec& spec, map_view& m, void* section,
                    const std::vector<std::string>& also_accepted = {});
  // Reads one key into `section`; true when a value was given, valid and stored.
  bool read_key(const key_spec& key, const map_view& m, void* section);

 private:
  void read_keys(const section_spec& spec, const map_view& m, void* section);
  bool read_group(const one_of& group, const section_spec& spec, const map_view& m, void* section);
  bool read_value(const key_spec& key, const map_view& m, void* section);
  // Stores `v` and applies the key's check; false (and reported) when the check fails.
  bool store(const key_spec& key, const map_view& m, void* section, value&& v);
  bool read_choice(const key_spec& key, const map_view& m, void* section);
  bool read_secret(const key_spec& key, const map_view& m, void* section);
  bool read_secret_file(const std::string& path, int line, const std::string& key_path, secret& out);
  struct list_item {
    std::string text;  // expanded
    int line;
    std::string path;  // "sinks[0].urls[1]"
  };
  // The items of a YAML list of strings, expanded; an item that is not `what` or does not expand is reported
  // and left out, and `all_ok` turns false.
  std::vector<list_item> string_items(const entry& e, const std::string& path, std::string_view what,
                                      bool& all_ok);
  bool read_url_list(const key_spec& key, const map_view& m, void* section);
  bool read_program(const key_spec& key, const map_view& m, void* section);
  bool read_section_key(const key_spec& key, const map_view& m, void* section);
  bool read_sinks(const key_spec& key, const map_view& m, void* section);
  bool validate_url(const std::string& raw, bool remote_http_ok, int line_no, const std::string& path,
                    std::string& out);

  yaml_walker& walker_;
  key_lines lines_;
};

}  // namespace sf::config::schema
