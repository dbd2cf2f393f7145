// JSON text helpers: escaping of copied values and raw copies that must stay on one NDJSON line.
#include "daemon/audit/json_text.hpp"

#include <simdjson.h>

#include <gtest/gtest.h>

#include <string>

namespace {

using sf::audit::append_json_string;
using sf::audit::append_raw_json;

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(append_json_escaped, is_the_string_without_its_quotes) {
  for (std::string_view s : {"", "plain", "a\"b\\c\n", "caf\xc3\xa9"}) {
    std::string out = "<";
    sf::audit::append_json_escaped(out, s);
    const std::string quoted = escaped(s);
    EXPECT_EQ(out, "<" + quoted.substr(1, quoted.size() - 2));
  }
}

TEST(append_json_string, escapes_what_json_requires_and_keeps_utf8) {
  EXPECT_EQ(escaped("plain"), "\"plain\"");
  EXPECT_EQ(escaped("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(escaped("l1\nl2\tt\r\b\f"), R"("l1\nl2\tt\r\b\f")");
  EXPECT_EQ(escaped(std::string_view("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(escaped(std::string_view("nul\0x", 5)), R"("nul\u0000x")");
  EXPECT_EQ(escaped("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  // Long strings go through the word-at-a-time scan: the escape must be found at any offset.
  for (std::size_t at = 0; at < 20; ++at) {
    std::string s(20, 'x');
    s[at] = '"';
    std::string expected = "\"" + s.substr(0, at) + "\\\"" + s.substr(at + 1) + "\"";
    EXPECT_EQ(escaped(s), expected) << at;
  }
}

TEST(escaped_size, is_what_the_escaper_writes_and_the_size_itself_when_nothing_is_escaped) {
  // Every byte value at every offset of strings short and long enough for the blockwise scans and their
  // tails.
  for (std::size_t n = 1; n <= 40; ++n) {
    for (int b = 0; b < 256; ++b) {
      for (std::size_t at = 0; at < n; ++at) {
        std::string s(n, 'x');
        s[at] = static_cast<char>(b);
        std::string out;
        sf::json::append_json_escaped(out, s);
        const std::string where = "byte " + std::to_string(b) + " at " + std::to_string(at) + " of " +
                                  std::to_string(n);
        ASSERT_EQ(sf::json::escaped_size(s), out.size()) << where;
        ASSERT_EQ(sf::json::escaped_size(s) != n, out != s) << where;
        // The escape lands where the scan found it: the bytes before it are copied as they are, and so is
        // the rest (the string holds one byte to escape).
        if (out != s) {
          ASSERT_EQ(out.substr(0, at), s.substr(0, at)) << where;
          ASSERT_EQ(out.substr(out.size() - (n - at - 1)), s.substr(at + 1)) << where;
        }
      }
    }
  }
  EXPECT_EQ(sf::json::escaped_size(""), 0u);
  EXPECT_EQ(sf::json::escaped_size("v3srRV41mkf+YZ2XmPslNg=="), 24u);
  EXPECT_EQ(sf::json::escaped_size(std::string_view("\b\f\n\x01\"\\", 6)), 2u + 2 + 2 + 6 + 2 + 2);
}

TEST(find_string_stop, stops_at_the_first_quote_or_backslash_of_padded_text) {
  for (std::size_t n = 0; n <= 40; ++n) {
    for (std::size_t at = 0; at <= n; ++at) {
      for (const char stop : {'"', '\\'}) {
        // The content, a stop byte at `at` (the closing quote at n), and the padding simdjson guarantees.
        std::string text(n, 'x');
        text += "\"}";
        if (at < n) text[at] = stop;
        const simdjson::padded_string padded(text);
        const char* found = sf::json::find_string_stop(padded.data());
        ASSERT_EQ(found - padded.data(), static_cast<std::ptrdiff_t>(at)) << n << " " << at;
        ASSERT_EQ(*found, at < n ? stop : '"');
      }
    }
  }
}

TEST(has_control_byte, finds_a_byte_below_0x20_at_every_offset_and_nothing_else) {
  for (std::size_t n = 1; n <= 40; ++n) {
    for (int b = 0; b < 256; ++b) {
      for (std::size_t at = 0; at < n; ++at) {
        std::string s(n, '"');  // quotes and backslashes are not control bytes
        s[n / 2] = '\\';
        s[at] = static_cast<char>(b);
        ASSERT_EQ(sf::json::has_control_byte(s), b < 0x20) << "byte " << b << " at " << at << " of " << n;
      }
    }
  }
  EXPECT_FALSE(sf::json::has_control_byte(""));
}

TEST(append_json_string, output_round_trips_through_a_json_parser) {
  const std::string nasty = std::string("q\"b\\s/\x01\x7f\n") + "\xe2\x80\xa8" + std::string(1, '\0');
  std::string doc = "{\"v\":";
  append_json_string(doc, nasty);
  doc += "}";
  simdjson::dom::parser p;
  std::string_view back;
  ASSERT_EQ(p.parse(doc)["v"].get(back), simdjson::SUCCESS) << doc;
  EXPECT_EQ(back, nasty);
}

TEST(append_raw_json, compact_text_is_copied_byte_for_byte) {
  std::string out;
  append_raw_json(out, R"({"a": [1, 2], "s": "x y\"z", "u": "\u00e9"})");
  EXPECT_EQ(out, R"({"a": [1, 2], "s": "x y\"z", "u": "\u00e9"})");
}

TEST(append_raw_json, line_breaks_are_dropped_outside_strings_and_escaped_inside) {
  std::string out;
  append_raw_json(out, "{\n  \"a\" : [ 1,\t2 ],\r\n  \"s\": \"in\nside \\\" q\"\n}");
  EXPECT_EQ(out, R"({"a":[1,2],"s":"in\nside \" q"})");
}

}  // namespace
