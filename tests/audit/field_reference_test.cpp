// Field names stay bounded (no key from data), and the README's field reference lists exactly the fields.
#include "daemon/audit/ecs_mapping.hpp"
#include "daemon/audit/page_renderer.hpp"
#include "tests/audit/golden_files.hpp"
#include "tests/audit/page_factory.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr std::string_view read_time = "2026-12-01T12:00:00.000000000Z";

using sf::audit::testing::read_file;

// What a path holds across documents, the way Elasticsearch's dynamic mapping sees it: arrays are their
// elements, null and [] add nothing, and the first concrete value fixes the type.
struct path_use {
  bool object = false;
  bool scalar = false;
  std::set<std::string> kinds;  // string, number, boolean, object
  std::string first;            // what the first value maps to: object, text, date, long, double, boolean
};

// Elasticsearch's default date detection: strict_date_optional_time and "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd".
bool detected_as_date(std::string_view s) {
  auto digits = [&](std::size_t at, std::size_t n) {
    if (s.size() < at + n) return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (digits(0, 4) && s.size() >= 10 && s[4] == '/' && digits(5, 2) && s[7] == '/' && digits(8, 2))
    return s.size() == 10 || (s.size() == 19 && s[10] == ' ' && digits(11, 2) && s[13] == ':' &&
                              digits(14, 2) && s[16] == ':' && digits(17, 2));
  return digits(0, 4) && s.size() >= 10 && s[4] == '-' && digits(5, 2) && s[7] == '-' && digits(8, 2) &&
         (s.size() == 10 || s[10] == 'T');
}

using path_map = std::map<std::string, path_use>;

// Walks one value with simdjson on-demand (the DOM refuses integers beyond 64 bits, which a pass-through
// field may hold).
simdjson::error_code collect(simdjson::ondemand::value v, const std::string& path, path_map& out) {
  namespace od = simdjson::ondemand;
  od::json_type t;
  if (auto e = v.type().get(t)) return e;
  switch (t) {
    case od::json_type::object: {
      if (!path.empty()) {
        auto& u = out[path];
        u.object = true;
        u.kinds.insert("object");
        if (u.first.empty()) u.first = "object";
      }
      od::object o;
      if (auto e = v.get_object().get(o)) return e;
      for (auto f : o) {
        od::field field;
        if (auto e = std::move(f).get(field)) return e;
        std::string_view k;
        if (auto e = field.unescaped_key().get(k)) return e;
        const std::string child = path.empty() ? std::string(k) : path + "." + std::string(k);
        if (auto e = collect(field.value(), child, out)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array a;
      if (auto e = v.get_array().get(a)) return e;
      for (auto el : a) {
        od::value x;
        if (auto e = std::move(el).get(x)) return e;
        if (auto e = collect(x, path, out)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::null:
      return simdjson::SUCCESS;
    default:
      break;
  }
  auto& u = out[path];
  u.scalar = true;
  std::string first;
  if (t == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return e;
    u.kinds.insert("string");
    first = detected_as_date(s) ? "date" : "text";
  } else if (t == od::json_type::boolean) {
    u.kinds.insert("boolean");
    first = "boolean";
  } else {
    u.kinds.insert("number");
    od::number_type nt{};
    first = v.get_number_type().get(nt) == simdjson::SUCCESS && nt != od::number_type::floating_point_number
                ? "long"
                : "double";  // a fraction, or an integer beyond 64 bits
  }
  if (u.first.empty()) u.first = first;
  return simdjson::SUCCESS;
}

// Fields the index maps under dynamic mapping, counted as index.mapping.total_fields.limit counts them:
// object mappers, field mappers, and the `keyword` multi-field of every string mapped as text.
std::size_t es_field_count(const path_map& paths) {
  std::size_t n = 0;
  for (const auto& [p, u] : paths) n += u.first == "text" ? 2 : 1;
  return n;
}

void collect_ndjson(std::string_view ndjson, path_map& paths, std::set<std::string>* related_ids = nullptr) {
  simdjson::ondemand::parser parser;
  simdjson::dom::parser dom;
  std::size_t at = 0;
  while (at < ndjson.size()) {
    const std::size_t nl = ndjson.find('\n', at);
    const simdjson::padded_string line(ndjson.substr(at, nl - at));
    at = nl + 1;
    simdjson::ondemand::document doc;
    ASSERT_EQ(parser.iterate(line).get(doc), simdjson::SUCCESS);
    simdjson::ondemand::value root;
    ASSERT_EQ(doc.get_value().get(root), simdjson::SUCCESS);
    ASSERT_EQ(collect(root, "", paths), simdjson::SUCCESS) << std::string_view(line.data(), line.size());
    if (related_ids) {
      simdjson::dom::element d;
      ASSERT_EQ(dom.parse(line).get(d), simdjson::SUCCESS);
      simdjson::dom::array related;
      if (d["scaleft"]["related_objects"].get(related) == simdjson::SUCCESS) {
        for (auto r : related) related_ids->insert(std::string(r["id"].get_string().value()));
      }
    }
  }
}

bool under(std::string_view path, std::string_view prefix) {
  return path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix && path[prefix.size()] == '.';
}

TEST(document_fields, stop_growing_with_thousands_of_distinct_related_objects) {
  std::vector<std::string> types;
  for (const auto& row : sf::audit::event_type_table()) types.emplace_back(row.action);
  types.insert(types.end(), {"brand_new.thing", "nodots", ""});  // unknown types and no type at all

  simdjson::ondemand::parser parser;
  sf::audit::render_scratch scratch;
  path_map paths;
  std::set<std::string> related_ids;
  std::vector<std::size_t> after_page;
  constexpr unsigned pages = 4;
  for (unsigned p = 0; p < pages; ++p) {
    const simdjson::padded_string body(sf::audit::testing::make_distinct_objects_page(1000, p, types));
    sf::audit::event_batch batch;
    const auto o = sf::audit::render_page(parser, body, read_time, batch, scratch);
    ASSERT_TRUE(o.ok) << o.error;
    ASSERT_EQ(o.events, 1000u);
    collect_ndjson(batch.ndjson(), paths, &related_ids);
    after_page.push_back(paths.size());
  }
  // Every page brings about 6,000 objects never seen before; none of them adds a field.
  EXPECT_GE(related_ids.size(), 5000u * pages / 2);
  for (unsigned p = 1; p < pages; ++p) {
    EXPECT_EQ(after_page[p], after_page[0]) << "page " << p << " added fields";
  }

  // No field name holds an id, a host name or a user name: each of those in the pages has digits, and no
  // field name has any.
  for (const auto& [path, use] : paths) {
    EXPECT_EQ(path.find_first_of("0123456789"), std::string::npos) << path;
  }
  // What the renderer shapes itself never holds an object in one document and a value in another (a
  // mapping conflict that fails the item); scaleft.details and scaleft.event are as ScaleFT sent them.
  for (const auto& [path, use] : paths) {
    if (under(path, "scaleft.details") || under(path, "scaleft.event")) continue;
    EXPECT_FALSE(use.object && use.scalar) << path << " is both an object and a value";
    EXPECT_LE(use.kinds.size(), 1u) << path << " holds several JSON types";
  }
  const std::size_t count = es_field_count(paths);
  std::printf("[ fields   ] %zu paths, %zu fields under dynamic mapping, %zu distinct related objects\n",
              paths.size(), count, related_ids.size());
  EXPECT_LT(count, 250u);  // a quarter of the default index.mapping.total_fields.limit
}

// The README's "Field reference" rows: the field of each, in backquotes in the first column.
struct reference_row {
  std::string field;
  std::string type;
};

std::vector<reference_row> readme_rows(std::string_view section, std::string_view next_heading) {
  const std::string readme = read_file(fs::path(SF_SOURCE_DIR) / "README.md");
  std::vector<reference_row> rows;
  const std::size_t start = readme.find(section);
  if (start == std::string::npos) return rows;
  const std::size_t end = readme.find(next_heading, start + section.size());
  std::istringstream in(readme.substr(start, end - start));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::size_t close = line.find('`', 3);
    const std::size_t bar = line.find('|', close);
    const std::size_t bar2 = line.find('|', bar + 1);
    std::string type = line.substr(bar + 1, bar2 - bar - 1);
    type.erase(0, type.find_first_not_of(' '));
    type.erase(type.find_last_not_of(' ') + 1);
    rows.push_back({line.substr(3, close - 3), type});
  }
  return rows;
}

TEST(field_reference, lists_every_field_of_the_golden_documents_and_nothing_else) {
  path_map paths;
  for (const auto& p : sf::audit::testing::golden_files("ndjson")) collect_ndjson(read_file(p), paths);
  ASSERT_GT(paths.size(), 30u);
  const auto rows = readme_rows("## Field reference", "\n### ");
  ASSERT_GT(rows.size(), 20u) << "README.md has no field reference table";

  std::map<std::string, std::string> exact, wildcard;
  for (const auto& r : rows) {
    if (r.field.size() > 2 && r.field.ends_with(".*"))
      wildcard[r.field.substr(0, r.field.size() - 2)] = r.type;
    else
      exact[r.field] = r.type;
  }
  for (const auto& [path, use] : paths) {
    bool listed = exact.count(path) > 0;
    for (const auto& [prefix, type] : wildcard) listed = listed || path == prefix || under(path, prefix);
    if (use.scalar) {
      EXPECT_TRUE(listed) << path << " is in golden documents but not in the README field reference";
    }
  }
  for (const auto& [field, type] : exact) {
    const auto it = paths.find(field);
    ASSERT_NE(it, paths.end()) << field << " is in the README field reference but in no golden document";
    if (type == "keyword" || type == "date" || type == "match_only_text") {
      EXPECT_EQ(it->second.kinds, std::set<std::string>{"string"}) << field;
    } else {
      EXPECT_TRUE(it->second.object) << field << " (" << type << ") holds no object";
    }
    if (type == "date") {
      EXPECT_EQ(it->second.first, "date") << field;
    }
  }
  for (const auto& [prefix, type] : wildcard) {
    const auto it = paths.find(prefix);
    ASSERT_NE(it, paths.end()) << prefix << ".* is in the README field reference but in no golden document";
    EXPECT_TRUE(it->second.object) << prefix;
  }
}

// The README's copy of the event types table, row by row as ecs_mapping.cpp holds it.
std::string json_array_words(std::string_view json) {
  std::string out;
  for (char c : json) {
    if (c == '[' || c == ']' || c == '"') continue;
    if (c == ',')
      out += ", ";
    else
      out += c;
  }
  return out;
}

TEST(field_reference, event_types_table_matches_the_code) {
  const std::string readme = read_file(fs::path(SF_SOURCE_DIR) / "README.md");
  std::string expected;
  for (const auto& r : sf::audit::event_type_table()) {
    expected += "| `" + std::string(r.action) + "` | " + json_array_words(r.category) + " | " +
                json_array_words(r.type) + " | " + std::string(r.outcome) + " | " + std::string(r.message) +
                " |\n";
  }
  const std::string header = "|---|---|---|---|---|\n";
  const std::size_t at = readme.find("### Event types");
  ASSERT_NE(at, std::string::npos);
  const std::size_t table = readme.find(header, at);
  ASSERT_NE(table, std::string::npos);
  EXPECT_EQ(readme.substr(table + header.size(), expected.size()), expected)
      << "README.md should list:\n"
      << expected;
}

}  // namespace
