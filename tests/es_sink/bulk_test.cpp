// Unit tests of the pure _bulk logic: encoding, splitting, response parsing, classification.
#include "sinks/elasticsearch/bulk.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace es = sf::sinks::elasticsearch;
using sf::audit::event_batch;

namespace {

event_batch sample_batch(std::size_t n, std::size_t doc_pad = 0) {
  event_batch b;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string id = "id-" + std::to_string(i);
    const std::string doc = R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"id":")" + id + R"("},"pad":")" +
                            std::string(doc_pad, 'x') + "\"}";
    b.add(id, "2026-01-01T00:00:00Z", doc);
  }
  return b;
}

std::vector<std::uint32_t> all(const event_batch& b) {
  std::vector<std::uint32_t> v(b.size());
  for (std::uint32_t i = 0; i < b.size(); ++i) v[i] = i;
  return v;
}

bool valid_json(const std::string& s) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  return p.parse(s).get(e) == simdjson::SUCCESS;
}

}  // namespace

TEST(es_bulk_body, is_create_pairs_with_event_ids_and_ends_with_newline) {
  event_batch b;
  b.add("a\"b", "t", R"({"x":1})");
  b.add("c", "t", R"({"x":2})");
  const std::string body = es::encode_bulk_body(b, all(b), "audit-idx");
  EXPECT_EQ(body,
            "{\"create\":{\"_index\":\"audit-idx\",\"_id\":\"a\\\"b\"}}\n{\"x\":1}\n"
            "{\"create\":{\"_index\":\"audit-idx\",\"_id\":\"c\"}}\n{\"x\":2}\n");
  EXPECT_EQ(body.back(), '\n');
}

TEST(es_bulk_body, item_bytes_matches_the_encoded_size) {
  auto b = sample_batch(7, 13);
  const std::string body = es::encode_bulk_body(b, all(b), "logs-scaleft.audit-default");
  std::size_t sum = 0;
  for (std::uint32_t i = 0; i < b.size(); ++i)
    sum += es::item_bytes("logs-scaleft.audit-default", b.id(i), b.document(i));
  EXPECT_EQ(sum, body.size());
}

TEST(es_bulk_body, item_bytes_is_exact_for_ids_with_every_byte_that_is_escaped) {
  // Every byte below 0x20 (the short escapes \b \f \n \r \t and the \u00XX ones), a quote and a backslash,
  // alone and inside longer ids.
  for (int c = 0; c < 0x5d; ++c) {
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    event_batch b;
    b.add(std::string(1, static_cast<char>(c)), "t", R"({"x":1})");
    b.add("id-" + std::string(1, static_cast<char>(c)) + "-0123456789abcdef", "t", R"({"x":2})");
    const std::string body = es::encode_bulk_body(b, all(b), "audit-idx");
    const std::size_t sum = es::item_bytes("audit-idx", b.id(0), b.document(0)) +
                            es::item_bytes("audit-idx", b.id(1), b.document(1));
    EXPECT_EQ(sum, body.size()) << "byte " << c;
  }
}

// The pieces a request is sent from are the string body, byte for byte, in every format; the documents are
// views of the batch (not copies), so only action lines and spliced extras take new memory.
TEST(es_bulk_pieces, join_to_the_string_body_in_every_format_and_view_the_documents) {
  event_batch b = sample_batch(9, 40);
  b.add("odd\"id", "2026-01-01T00:00:00Z", R"({"a":[1,{"b":"}"}]})");  // no event object
  b.add("not-an-object", "2026-01-01T00:00:00Z", R"("text")");              // nothing can be spliced
  b.add("empty-event", "2026-01-01T00:00:00Z", R"({"event":{}})");
  std::vector<std::string> per_item;
  for (std::uint32_t i = 0; i < b.size(); ++i) per_item.push_back("idx-" + std::to_string(i % 3));

  std::vector<es::bulk_format> formats(4);
  formats[0].target = "plain-index";
  formats[1].target = "logs-scaleft.audit-default";
  formats[1].extras.tail = es::data_stream_tail("logs-scaleft.audit-default");
  formats[1].extras.ingested = es::ingested_field("2026-01-01T00:00:00.000Z");
  formats[2].targets = &per_item;
  formats[3].target = "only-ingested";
  formats[3].extras.ingested = es::ingested_field("2026-01-01T00:00:00.000Z");

  std::vector<std::uint32_t> some{10, 0, 3, 11, 9};
  for (const auto& f : formats) {
    for (const auto& items : {all(b), some}) {
      const std::string body = es::encode_bulk_body(b, items, f);
      const auto pieces = es::encode_bulk_pieces(b, items, f);
      EXPECT_EQ(pieces.joined(), body) << f.target;
      EXPECT_EQ(pieces.size(), body.size());
      std::size_t viewed = 0;
      for (std::size_t k = 0; k < pieces.piece_count(); ++k) {
        const auto p = pieces.piece(k);
        if (p.data() >= b.ndjson().data() && p.data() + p.size() <= b.ndjson().data() + b.ndjson().size())
          viewed += p.size();
      }
      std::size_t docs = 0;
      for (auto i : items) docs += b.document(i).size();
      // Every document byte but the spliced-out closing brace is sent from the batch.
      EXPECT_GE(viewed + items.size(), docs) << f.target;
    }
  }
}

// A batch that records where each document's "event" members start (as the renderer's do) encodes the
// same bytes, sizes and splits as one that does not (the sink then scans for it).
TEST(es_bulk_pieces, a_recorded_event_offset_gives_the_bytes_a_scan_gives) {
  event_batch told, scanned;
  for (int i = 0; i < 5; ++i) {
    const std::string id = "id-" + std::to_string(i);
    const std::string head = R"({"@timestamp":"2026-01-01T00:00:00Z","ecs":{"version":"8.17.0"},"message":")" +
                             std::string(i * 7, 'm') + R"( \"event\":{ ","event":{)";
    const std::string doc = head + (i == 4 ? "}}" : R"("id":")" + id + R"("},"pad":1})");
    told.add(id, "2026-01-01T00:00:00Z", doc, head.size());
    scanned.add(id, "2026-01-01T00:00:00Z", doc);
  }
  // Not an object: nothing can be spliced into it, recorded or not (the batch says so without a scan).
  told.add("id-5", "2026-01-01T00:00:00Z", R"(["not","an","object"])");
  scanned.add("id-5", "2026-01-01T00:00:00Z", R"(["not","an","object"])");
  EXPECT_FALSE(told.shape(5).closes_object);
  EXPECT_TRUE(told.shape(4).closes_object);
  EXPECT_TRUE(told.shape(4).event_empty);
  EXPECT_FALSE(told.shape(3).event_empty);
  EXPECT_FALSE(scanned.shape(4).event_empty);  // not recorded, so not known
  es::bulk_format f;
  f.target = "logs-scaleft.audit-default";
  f.extras.tail = es::data_stream_tail(f.target);
  f.extras.ingested = es::ingested_field("2026-01-01T00:00:00.000Z");
  const std::string expected = es::encode_bulk_body(scanned, all(scanned), f);
  EXPECT_NE(expected.find(R"("event":{"ingested":"2026-01-01T00:00:00.000Z","id":"id-0")"), std::string::npos);
  EXPECT_NE(expected.find(R"("event":{"ingested":"2026-01-01T00:00:00.000Z"},"data_stream":)"), std::string::npos);
  EXPECT_NE(expected.find("\n[\"not\",\"an\",\"object\"]\n"), std::string::npos);
  EXPECT_EQ(es::encode_bulk_body(told, all(told), f), expected);
  EXPECT_EQ(es::encode_bulk_pieces(told, all(told), f).joined(), expected);
  for (std::uint32_t i = 0; i < told.size(); ++i)
    EXPECT_EQ(es::item_bytes(f, told, i), es::item_bytes(f, scanned, i));
}

TEST(es_split_requests, bounds_events_and_bytes_and_keeps_order) {
  auto b = sample_batch(10, 100);
  const std::size_t one = es::item_bytes("i", b.id(0), b.document(0));
  auto by_events = es::split_requests(b, all(b), "i", 3, 1 << 20);
  ASSERT_EQ(by_events.size(), 4u);
  EXPECT_EQ(by_events[3], std::vector<std::uint32_t>{9});
  auto by_bytes = es::split_requests(b, all(b), "i", 1000, one * 4 + 1);
  ASSERT_EQ(by_bytes.size(), 3u);
  EXPECT_EQ(by_bytes[0].size(), 4u);
  EXPECT_EQ(by_bytes[2].size(), 2u);
  std::vector<std::uint32_t> flat;
  for (auto& r : by_bytes) flat.insert(flat.end(), r.begin(), r.end());
  EXPECT_EQ(flat, all(b));
}

TEST(es_split_requests, an_oversized_item_gets_a_request_of_its_own) {
  event_batch b;
  b.add("small1", "t", "{}");
  b.add("huge", "t", "{\"p\":\"" + std::string(5000, 'y') + "\"}");
  b.add("small2", "t", "{}");
  auto reqs = es::split_requests(b, all(b), "i", 100, 1000);
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1], std::vector<std::uint32_t>{1});
}

TEST(es_classify, items_follow_the_spec_table) {
  EXPECT_EQ(es::classify_item(201), es::item_outcome::stored);
  EXPECT_EQ(es::classify_item(200), es::item_outcome::stored);
  EXPECT_EQ(es::classify_item(409), es::item_outcome::duplicate);
  EXPECT_EQ(es::classify_item(429), es::item_outcome::retry);
  EXPECT_EQ(es::classify_item(503), es::item_outcome::retry);
  EXPECT_EQ(es::classify_item(500), es::item_outcome::retry);
  EXPECT_EQ(es::classify_item(403), es::item_outcome::retry_slow);
  EXPECT_EQ(es::classify_item(404), es::item_outcome::retry_slow);
  EXPECT_EQ(es::classify_item(400), es::item_outcome::dead_letter);
  EXPECT_EQ(es::classify_item(422), es::item_outcome::dead_letter);
  EXPECT_EQ(es::classify_item(0), es::item_outcome::retry);  // unknown is never dropped
}

TEST(es_classify, whole_requests_follow_the_spec) {
  EXPECT_EQ(es::classify_request(200), es::request_outcome::parse_items);
  EXPECT_EQ(es::classify_request(413), es::request_outcome::split);
  EXPECT_EQ(es::classify_request(429), es::request_outcome::retry);
  EXPECT_EQ(es::classify_request(502), es::request_outcome::retry);
  EXPECT_EQ(es::classify_request(504), es::request_outcome::retry);
  EXPECT_EQ(es::classify_request(401), es::request_outcome::retry_slow);
  EXPECT_EQ(es::classify_request(403), es::request_outcome::retry_slow);
  EXPECT_EQ(es::classify_request(400), es::request_outcome::retry_slow);
  EXPECT_EQ(es::classify_request(406), es::request_outcome::retry_slow);
}

TEST(es_bulk_response, parses_statuses_and_errors_in_order) {
  const std::string body =
      R"({"errors":true,"items":[{"create":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[a]: version conflict"}}},)"
      R"({"create":{"_index":"x","status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [@timestamp]","caused_by":{"type":"x"}}}},)"
      R"({"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}}]})";
  auto r = es::parse_bulk_response(body, 4);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.items.size(), 4u);
  EXPECT_EQ(r.items[0].status, 201);
  EXPECT_EQ(r.items[1].status, 409);
  EXPECT_EQ(r.items[2].status, 400);
  EXPECT_EQ(r.items[2].error_type, "document_parsing_exception");
  EXPECT_EQ(r.items[2].error_reason, "failed to parse field [@timestamp]");
  EXPECT_EQ(r.items[3].status, 429);
}

TEST(es_bulk_response, a_wrong_item_count_or_garbage_is_an_error) {
  const std::string two = R"({"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}}]})";
  EXPECT_TRUE(es::parse_bulk_response(two, 2).ok());
  EXPECT_FALSE(es::parse_bulk_response(two, 3).ok());
  EXPECT_FALSE(es::parse_bulk_response(two, 1).ok());
  EXPECT_FALSE(es::parse_bulk_response("<html>502 Bad Gateway</html>", 1).ok());
  EXPECT_FALSE(es::parse_bulk_response(R"({"errors":false})", 1).ok());
  EXPECT_FALSE(es::parse_bulk_response(R"({"errors":false,"items":[{"create":{}}]})", 1).ok());
  EXPECT_FALSE(es::parse_bulk_response(R"({"errors":false,"items":[{"create":{"status":201}})", 1).ok());
}

TEST(es_request_error, reads_object_and_string_forms_and_html) {
  auto e = es::parse_request_error(
      R"({"error":{"root_cause":[],"type":"security_exception","reason":"missing authentication credentials"},"status":401})");
  EXPECT_EQ(e.type, "security_exception");
  EXPECT_EQ(e.reason, "missing authentication credentials");
  auto s = es::parse_request_error(
      R"({"error":"Content-Type header [text/plain] is not supported","status":406})");
  EXPECT_EQ(s.reason, "Content-Type header [text/plain] is not supported");
  auto h = es::parse_request_error("<html>\n<body>504 Gateway Time-out</body></html>");
  EXPECT_NE(h.reason.find("504 Gateway"), std::string::npos);
  EXPECT_EQ(h.reason.find('\n'), std::string::npos);
}

TEST(es_version, from_get_root) {
  auto v = es::parse_version_number(R"({"name":"n","version":{"number":"8.15.0","build_flavor":"default"}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "8.15.0");
  EXPECT_EQ(es::major_version(*v), 8);
  EXPECT_EQ(es::major_version("7.17.3"), 7);
  EXPECT_EQ(es::major_version("x"), 0);
  EXPECT_FALSE(es::parse_version_number(R"({"name":"n"})"));
}

TEST(es_auth, one_header_per_mode) {
  sf::config::elasticsearch_sink_config cfg;
  EXPECT_EQ(es::authorization_value(cfg), "");
  cfg.username = "elastic";
  cfg.password.value = "changeme";
  EXPECT_EQ(es::authorization_value(cfg), "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
  cfg = {};
  cfg.api_key.value = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";
  EXPECT_EQ(es::authorization_value(cfg),
            "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==");
  cfg = {};
  cfg.bearer_token.value = "tok";
  EXPECT_EQ(es::authorization_value(cfg), "Bearer tok");
  EXPECT_EQ(es::auth_kind(cfg), "bearer");
}

TEST(es_dead_letter_line, is_one_json_line_with_everything_needed) {
  es::item_result r{400, "document_parsing_exception", "failed to parse \"x\""};
  const std::string line =
      es::dead_letter_line("2026-01-01T00:00:00.000Z", "es", "idx", "ev-1", r, R"({"a":[1,2]})");
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  ASSERT_TRUE(valid_json(line));
  simdjson::dom::parser p;
  auto doc = p.parse(line);
  EXPECT_EQ(std::string_view(doc["event_id"]), "ev-1");
  EXPECT_EQ(int64_t(doc["status"]), 400);
  EXPECT_EQ(std::string_view(doc["error_type"]), "document_parsing_exception");
  EXPECT_EQ(std::string_view(doc["error_reason"]), "failed to parse \"x\"");
  EXPECT_EQ(int64_t(doc["document"]["a"].at(1)), 2);
}
