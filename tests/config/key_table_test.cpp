// Tests of the key table: its consistency, check-config's output (pinned), secrets, the README's table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config_loader.hpp"
#include "config/key_reader.hpp"
#include "config/keys.hpp"
#include "config/reference_table.hpp"

namespace sf::config {
namespace {

using schema::kind;
using schema::section_spec;
using ::testing::HasSubstr;
using ::testing::Not;

load_result load(const std::string& yaml) {
  return load_config_text(yaml, "test.yaml",
                          [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

std::string all_errors(const load_result& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

// Every section of the table, top level first, with its path.
void collect(const section_spec& spec, const std::string& path,
             std::vector<std::pair<std::string, const section_spec*>>& out) {
  out.emplace_back(path, &spec);
  for (const auto& k : spec.keys) {
    if (k.type == kind::section) collect(*k.sub, path + std::string(k.name) + ".", out);
    if (k.type == kind::sink_list) {
      collect(*k.sub, path + std::string(k.name) + "[].", out);
      for (const auto& v : *k.sinks) collect(*v.spec, path + std::string(k.name) + "[].", out);
    }
  }
}

std::vector<std::pair<std::string, const section_spec*>> all_sections() {
  std::vector<std::pair<std::string, const section_spec*>> out;
  collect(schema::forwarder_schema(), "", out);
  return out;
}

// The table itself: names unique, help everywhere, groups and rules naming keys that exist, bounds in order.
TEST(KeyTable, IsConsistent) {
  const auto sections = all_sections();
  EXPECT_EQ(sections.size(), 10u);  // top, source, buffer, retry, key_rotation, sink, file, es, http, log
  for (const auto& [path, spec] : sections) {
    std::set<std::string> names;
    for (const auto& n : schema::accepted_names(*spec)) EXPECT_TRUE(names.insert(n).second) << path << n;
    for (const auto& k : spec->keys) {
      const bool container = k.type == kind::section || k.type == kind::sink_list;
      EXPECT_EQ(container, k.help.empty()) << path << k.name << ": every key, and no section, has help";
      EXPECT_EQ(container, k.sub != nullptr) << path << k.name;
      if (!container) {
        EXPECT_TRUE(k.bound.set) << path << k.name;
      }
      if (k.type == kind::integer || k.type == kind::duration || k.type == kind::size) {
        EXPECT_LT(k.lo, k.hi) << path << k.name;
      }
      if (k.type == kind::choice) {
        EXPECT_GE(k.choices.size(), 2u) << path << k.name;
      }
    }
    for (const auto& g : spec->groups)
      for (auto n : g.keys) EXPECT_TRUE(schema::find_key(*spec, n)) << path << n;
    for (const auto& r : spec->rules)
      EXPECT_TRUE(r.after.empty() || schema::find_key(*spec, r.after)) << path << r.after;
  }
}

// The defaults are config.hpp's: a file with only the required keys renders as a default-built config.
TEST(KeyTable, DefaultsAreTheStructsOwn) {
  auto r = load(
      "source: {team: acme, key_id: kid-1, key_secret: s}\n"
      "sinks: [{name: archive, type: file, path: /tmp/audit.ndjson}]\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  forwarder_config built;
  built.source.team = "acme";
  built.source.key_id = "kid-1";
  built.source.key_secret = {"s", "inline"};
  file_sink_config file;
  file.path = "/tmp/audit.ndjson";
  built.sinks.push_back({"archive", file});
  EXPECT_EQ(render_effective_config(*r.config), render_effective_config(built));
}

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(SF_SOURCE_DIR) + "/tests/config/effective/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// check-config's output, byte for byte as the loader printed it before the table (in the table's order;
// url and cloud_id shown as the urls they give; only one of index and data_stream; secrets redacted).
TEST(KeyTable, EffectiveConfigIsPinned) {
  auto r = load(read_fixture("full.yaml"));
  ASSERT_TRUE(r.config) << all_errors(r);
  const std::string expected = read_fixture("full.expected.yaml");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(render_effective_config(*r.config), expected);
}

// Whatever secret keys the table has, none shows its value and no `<secret>_file` key is shown at all.
TEST(KeyTable, NoSecretIsEverRendered) {
  forwarder_config c;
  c.sinks.push_back({"f", file_sink_config{}});
  c.sinks.push_back({"e", elasticsearch_sink_config{}});
  std::vector<std::string> secret_names;
  // Sets every secret key of `spec` in `section` to a marked value.
  auto fill = [&](const section_spec& spec, void* section) {
    for (const auto& k : spec.keys) {
      if (k.type != kind::secret) continue;
      k.bound.set(section, secret{"MARKED-" + std::string(k.name), "inline"});
      secret_names.emplace_back(k.name);
    }
  };
  const auto& top = schema::forwarder_schema();
  fill(top, &c);
  for (const auto& k : top.keys) {
    if (k.type == kind::section) fill(*k.sub, k.locate(&c));
    if (k.type != kind::sink_list) continue;
    for (auto& sink : c.sinks) {
      fill(*k.sub, &sink);
      for (const auto& v : *k.sinks)
        if (void* settings = v.settings(sink)) fill(*v.spec, settings);
    }
  }
  // source.key_secret and proxy_password; the Elasticsearch api_key, password, bearer_token, client_key,
  // proxy_password
  EXPECT_EQ(secret_names, (std::vector<std::string>{"key_secret", "proxy_password", "api_key", "password",
                                                    "bearer_token", "client_key", "proxy_password"}));
  const std::string text = render_effective_config(c);
  EXPECT_THAT(text, Not(HasSubstr("MARKED-")));
  for (const auto& name : secret_names) EXPECT_THAT(text, Not(HasSubstr(name + "_file")));
  std::size_t redacted = 0;
  for (auto at = text.find("<redacted>"); at != std::string::npos; at = text.find("<redacted>", at + 1))
    ++redacted;
  EXPECT_EQ(redacted, 7u) << text;
}

// Every name the loader accepts has its row in the README's table.
TEST(ReferenceTable, HasARowForEveryKey) {
  const std::string table = reference_table_markdown();
  for (const auto& [path, spec] : all_sections()) {
    for (const auto& k : spec->keys) {
      if (k.type == kind::section || k.type == kind::sink_list) continue;
      EXPECT_THAT(table, HasSubstr("| `" + path + std::string(k.name) + "`")) << k.name;
      if (k.type == kind::secret) {
        EXPECT_THAT(table, HasSubstr("/ `" + std::string(k.name) + "_file`"));
      }
    }
  }
  EXPECT_THAT(table, HasSubstr("| `source.page_size` | int 1..1000 | `1000` | events per `auditsV2` page |"));
  EXPECT_THAT(table, HasSubstr("| `sinks[].rotate_bytes` (type: file) | size 0B..1024GiB | `0B` (off) |"));
  EXPECT_THAT(table,
              HasSubstr("| `sinks[].url` (type: elasticsearch) | URL | required: one of `url`, `urls`, "
                        "`cloud_id` |"));
}

TEST(ReferenceTable, SplicedBetweenTheMarkersOnly) {
  const std::string doc = "intro\n" + std::string(reference_begin_marker) + "\nold table\n" +
                          std::string(reference_end_marker) + "\nafter\n";
  EXPECT_EQ(splice_reference_table(doc, "| new |\n"), "intro\n" + std::string(reference_begin_marker) +
                                                          "\n| new |\n" + std::string(reference_end_marker) +
                                                          "\nafter\n");
  const auto once = splice_reference_table(doc, "| new |\n");
  EXPECT_EQ(splice_reference_table(*once, "| new |\n"), once);  // splicing again changes nothing
  EXPECT_FALSE(splice_reference_table("no markers\n", "| new |\n"));
  EXPECT_FALSE(splice_reference_table(
      std::string(reference_end_marker) + "\n" + std::string(reference_begin_marker), "x"));
}

// The README in this tree holds the current table (ctest config_reference_current checks the same with the
// generator; this says which row differs).
TEST(ReferenceTable, ReadmeIsCurrent) {
  std::ifstream in(std::string(SF_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const auto spliced = splice_reference_table(text.str(), reference_table_markdown());
  ASSERT_TRUE(spliced) << "README.md lacks the config-reference markers";
  EXPECT_EQ(*spliced, text.str()) << "run: build/config/sf-config-reference --update README.md";
}

}  // namespace
}  // namespace sf::config
