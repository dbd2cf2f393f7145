// The event types table: valid ECS values, sound message templates, and every type scaleft-sim emits.
#include "daemon/audit/ecs_mapping.hpp"
#include "sim/scaleft/event_generator.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using sf::audit::event_type_table;
using sf::audit::find_event_type;

std::vector<std::string> words(std::string_view json_array) {
  simdjson::dom::parser p;
  simdjson::dom::array a;
  std::vector<std::string> out;
  if (p.parse(json_array.data(), json_array.size()).get(a) != simdjson::SUCCESS) return out;
  for (auto e : a) out.emplace_back(e.get_string().value());
  return out;
}

TEST(event_type_table, is_sorted_unique_and_every_row_is_found) {
  const auto rows = event_type_table();
  ASSERT_GE(rows.size(), 19u);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_LT(rows[i - 1].action, rows[i].action) << rows[i].action;
  }
  for (const auto& r : rows) {
    const auto* found = find_event_type(r.action);
    ASSERT_NE(found, nullptr) << r.action;
    EXPECT_EQ(found->action, r.action);
  }
}

TEST(event_type_table, uses_only_ecs_allowed_values) {
  // ECS 8.11 event.category values and the event.type values each allows.
  const std::map<std::string, std::set<std::string>> allowed{
      {"authentication", {"start", "end", "info"}},
      {"configuration", {"access", "change", "creation", "deletion", "info"}},
      {"iam", {"admin", "change", "creation", "deletion", "group", "info", "user"}},
      {"process", {"access", "change", "end", "info", "start"}},
      {"session", {"start", "end", "info"}},
  };
  for (const auto& r : event_type_table()) {
    const auto categories = words(r.category);
    const auto types = words(r.type);
    ASSERT_FALSE(categories.empty()) << r.action << ": " << r.category;
    ASSERT_FALSE(types.empty()) << r.action << ": " << r.type;
    for (const auto& t : types) {
      bool fits = false;  // each type must suit at least one of the row's categories
      for (const auto& c : categories) {
        ASSERT_TRUE(allowed.count(c)) << r.action << ": category " << c;
        fits = fits || allowed.at(c).count(t);
      }
      EXPECT_TRUE(fits) << r.action << ": type " << t << " suits none of " << r.category;
    }
    EXPECT_TRUE(r.outcome == "success" || r.outcome == "failure" || r.outcome == "unknown") << r.action;
  }
}

void expect_sound_template(std::string_view tmpl, std::string_view what) {
  const std::set<std::string> placeholders{"actor",   "target_user", "client", "server",
                                           "project", "group",       "action"};
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const char c = tmpl[i];
    if (c == '{') {
      const std::size_t close = tmpl.find('}', i);
      ASSERT_NE(close, std::string_view::npos) << what << ": unclosed placeholder";
      EXPECT_TRUE(placeholders.count(std::string(tmpl.substr(i + 1, close - i - 1))))
          << what << ": unknown placeholder " << tmpl.substr(i, close - i + 1);
      i = close + 1;
      continue;
    }
    // Literal text is copied into a JSON string unescaped: printable ASCII without quotes or backslashes.
    EXPECT_TRUE(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '}') << what << ": byte " << int(c);
    ++i;
  }
}

TEST(event_type_table, message_templates_are_sound) {
  for (const auto& r : event_type_table()) {
    ASSERT_FALSE(r.message.empty()) << r.action;
    expect_sound_template(r.message, r.action);
  }
  expect_sound_template(sf::audit::unknown_type_message, "unknown_type_message");
  expect_sound_template(sf::audit::no_type_message, "no_type_message");
}

TEST(event_type_table, unknown_types_are_not_guessed) {
  for (const char* t : {"", "nodots", "brand_new.thing", ".create", "user.", "widget.create",
                        "user.frobnicate", "AUTH_TOKEN.ISSUE", "auth_token.issue "}) {
    EXPECT_EQ(find_event_type(t), nullptr) << t;
  }
}

// Every details.type scaleft-sim can emit: the string literals of its sources that look like one (its
// weighted catalogue and the key events its API leaves), so that a type added to the simulator without a
// row here fails.
std::set<std::string> sim_source_types() {
  std::set<std::string> out;
  const std::regex literal("\"([a-z_]+\\.[a-z_]+)\"");
  for (const auto& e : std::filesystem::directory_iterator(SF_SOURCE_DIR "/sim/scaleft")) {
    if (e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) {
      out.insert((*it)[1]);
    }
  }
  return out;
}

TEST(event_type_table, covers_every_type_scaleft_sim_emits) {
  // What the generator really emits, over enough events to draw every weighted type many times.
  sfsim::scaleft::event_generator gen(7, "acme", 0.0);
  std::set<std::string> emitted;
  simdjson::dom::parser p;
  for (int i = 0; i < 20000; ++i) {
    const auto ev = gen.make(1'700'000'000LL * 1'000'000'000LL + i);
    simdjson::dom::element doc;
    ASSERT_EQ(p.parse(ev.json).get(doc), simdjson::SUCCESS);
    std::string_view type;
    if (doc["details"]["type"].get(type) == simdjson::SUCCESS) emitted.insert(std::string(type));
  }
  const auto in_sources = sim_source_types();
  EXPECT_GE(emitted.size(), 17u);
  for (const auto& t : emitted) {
    EXPECT_TRUE(in_sources.count(t)) << t << " is emitted but the source scan misses it";
  }
  EXPECT_TRUE(in_sources.count("service_user.key_create"));  // left by the key API, not by the generator
  for (const auto& t : in_sources) EXPECT_NE(find_event_type(t), nullptr) << t << " has no row in the table";
}

}  // namespace
