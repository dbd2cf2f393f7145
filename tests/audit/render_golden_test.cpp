// Golden pages: each golden/<name>.json renders to golden/<name>.ndjson, or fails with golden/<name>.error.
#include "daemon/audit/page_renderer.hpp"
#include "tests/audit/golden_files.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using sf::audit::testing::read_file;

void write_file(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

std::vector<fs::path> golden_inputs() {
  return sf::audit::testing::golden_files("json");
}

// SF_UPDATE_GOLDEN=1 rewrites the expected files (review the diff before committing).
bool updating() {
  const char* u = std::getenv("SF_UPDATE_GOLDEN");
  return u && std::string(u) == "1";
}

class golden : public ::testing::TestWithParam<fs::path> {};

TEST_P(golden, renders_as_expected) {
  const fs::path input = GetParam();
  const simdjson::padded_string body(read_file(input));
  fs::path ndjson = input, error = input;
  ndjson.replace_extension(".ndjson");
  error.replace_extension(".error");

  simdjson::ondemand::parser parser;
  sf::audit::event_batch batch;
  // A fixed receive time, so that event.created is part of the expected output.
  const auto outcome = sf::audit::render_page(parser, body, "2026-12-01T12:00:00.000000000Z", batch);
  if (updating()) {
    if (outcome.ok) {
      write_file(ndjson, std::string(batch.ndjson()));
    } else {
      write_file(error, outcome.error + "\n");
    }
    GTEST_SKIP() << "golden file rewritten";
  }
  if (fs::exists(error)) {
    std::string expected = read_file(error);
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.error, expected);
    EXPECT_EQ(batch.size(), 0u);
    EXPECT_TRUE(batch.ndjson().empty());
  } else {
    ASSERT_TRUE(outcome.ok) << outcome.error;
    ASSERT_TRUE(fs::exists(ndjson)) << ndjson << " is missing";
    EXPECT_EQ(std::string(batch.ndjson()), read_file(ndjson));
    EXPECT_EQ(outcome.events, batch.size());
    // Each document records where its top-level "event" members start (the Elasticsearch sink splices
    // event.ingested there without scanning): just past `,"event":{`, at the event's own id.
    simdjson::ondemand::parser reader;  // on demand: only the path read is parsed (a document may hold
                                        // numbers no double holds, which the golden files keep as text)
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::string_view doc = batch.document(i);
      const std::size_t at = batch.event_members(i);
      ASSERT_NE(at, sf::audit::event_batch::unknown) << i;
      ASSERT_GE(at, 10u);
      EXPECT_EQ(doc.substr(at - 10, 10), R"(,"event":{)") << doc;
      EXPECT_EQ(doc.substr(at, 5), R"("id":)") << doc;
      const simdjson::padded_string padded(doc);
      auto parsed = reader.iterate(padded);
      std::string_view id;
      ASSERT_EQ(parsed["event"]["id"].get_string().get(id), simdjson::SUCCESS) << doc;
      EXPECT_EQ(id, batch.id(i));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(pages, golden, ::testing::ValuesIn(golden_inputs()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string n = info.param.stem().string();
                           for (auto& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(golden_files, cover_the_odd_cases) {
  // The set is the contract: losing a file must fail, not silently shrink the suite.
  EXPECT_GE(golden_inputs().size(), 15u);
}

}  // namespace
