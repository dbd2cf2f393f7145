// Fuzz target: an auditsV2 page body through the renderer; every document it emits must be valid JSON.
#include "daemon/audit/page_renderer.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <simdjson.h>

namespace {

// Walks a whole JSON value with on-demand, validating strings and structure. Numbers are only checked for
// their form, not converted: 123456789012345678901234567890 is valid JSON (the golden pages have one) that
// simdjson's DOM refuses (NUMBER_ERROR).
bool valid_json(simdjson::ondemand::value v, int depth) {
  if (depth > 1000) return false;
  simdjson::ondemand::json_type t;
  if (v.type().get(t)) return false;
  switch (t) {
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object obj;
      if (v.get_object().get(obj)) return false;
      for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key)) return false;
        simdjson::ondemand::value child;
        if (field.value().get(child) || !valid_json(child, depth + 1)) return false;
      }
      return true;
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array arr;
      if (v.get_array().get(arr)) return false;
      for (auto element : arr) {
        simdjson::ondemand::value child;
        if (element.get(child) || !valid_json(child, depth + 1)) return false;
      }
      return true;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view s;
      return !v.get_string().get(s);
    }
    case simdjson::ondemand::json_type::number: {
      const std::string_view raw = v.raw_json_token();
      return !raw.empty() && (raw.front() == '-' || (raw.front() >= '0' && raw.front() <= '9'));
    }
    case simdjson::ondemand::json_type::boolean: {
      bool b = false;
      return !v.get_bool().get(b);
    }
    case simdjson::ondemand::json_type::null:
      return v.is_null();
  }
  return false;
}

// The DOM parser validates everything, trailing bytes included, but refuses integers past 64 bits; a document with
// one is walked with on-demand instead.
bool is_json_object(std::string_view text) {
  static simdjson::dom::parser dom;
  static simdjson::ondemand::parser checker;
  const simdjson::padded_string padded(text);
  simdjson::dom::element element;
  const auto err = dom.parse(padded).get(element);
  if (err == simdjson::SUCCESS) return element.is_object();
  if (err != simdjson::NUMBER_ERROR && err != simdjson::NUMBER_OUT_OF_RANGE) return false;
  simdjson::ondemand::document doc;
  simdjson::ondemand::value root;
  simdjson::ondemand::json_type t;
  if (checker.iterate(padded).get(doc) || doc.get_value().get(root) || root.type().get(t)) return false;
  return t == simdjson::ondemand::json_type::object && valid_json(root, 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Reused across inputs as the source reuses them across pages: state left by one page must not leak
  // into the next.
  static simdjson::ondemand::parser parser;
  static sf::audit::render_scratch scratch;
  sf::audit::event_batch batch;
  const simdjson::padded_string body(sf::fuzz::as_text(data, size));
  const auto out = sf::audit::render_page(parser, body, "2026-12-01T12:00:00.000000000Z", batch, scratch);
  if (!out.ok) {
    sf::fuzz::check(batch.empty(), "a malformed page appended events");
    sf::fuzz::check(!out.error.empty(), "a malformed page without an error message");
    return 0;
  }
  sf::fuzz::check(out.events == batch.size(), "events counted != events appended");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    sf::fuzz::check(is_json_object(batch.document(i)), "the renderer emitted a document that is not a JSON object");
  }
  return 0;
}
