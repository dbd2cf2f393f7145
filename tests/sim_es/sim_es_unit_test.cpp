// es-sim unit tests: bulk parsing and framing errors, item outcomes, filter_path, media types, auth, faults,
// templates, decoding, and the request handler driven without sockets.
#include "sim/elasticsearch/auth.hpp"
#include "sim/elasticsearch/body_decoder.hpp"
#include "sim/elasticsearch/bulk_request.hpp"
#include "sim/elasticsearch/bulk_response.hpp"
#include "sim/elasticsearch/document_store.hpp"
#include "sim/elasticsearch/es_server.hpp"
#include "sim/elasticsearch/fault_plan.hpp"
#include "sim/elasticsearch/filter_path.hpp"
#include "common/text/glob.hpp"
#include "sim/elasticsearch/index_templates.hpp"
#include "sim/elasticsearch/json_text.hpp"
#include "sim/elasticsearch/media_type.hpp"
#include "sim/elasticsearch/options.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <zlib.h>

using namespace sfsim::es;
using ::testing::HasSubstr;

namespace {

struct parsed {
  std::vector<bulk_action> actions;
  std::optional<rest_error> error;
};

// Keeps the body alive with padding, as the server does.
struct bulk_fixture {
  std::string body;
  simdjson::dom::parser parser;
  parsed parse(std::string text, std::string_view target = {}) {
    body = std::move(text);
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    bulk_defaults d;
    d.index = target;
    auto r = parse_bulk(simdjson::padded_string_view(body.data(), body.size(), body.capacity()), d, parser);
    parsed out;
    if (auto* e = std::get_if<rest_error>(&r))
      out.error = *e;
    else
      out.actions = std::get<std::vector<bulk_action>>(std::move(r));
    return out;
  }
};

simdjson::dom::element json(simdjson::dom::parser& p, const std::string& text) {
  return p.parse(text).value();
}

}  // namespace

TEST(SimEsBulkParse, PairsAndDefaultsFromTheUrlTarget) {
  bulk_fixture f;
  auto r = f.parse(
      "{\"create\":{\"_id\":\"a\"}}\n{\"x\":1}\n{\"delete\":{\"_index\":\"other\",\"_id\":\"b\"}}\n"
      "{\"index\":{\"_id\":\"c\",\"op_type\":\"create\"}}\r\n{\"y\":2}\r\n",
      "idx");
  ASSERT_FALSE(r.error) << r.error->reason;
  ASSERT_EQ(r.actions.size(), 3u);
  EXPECT_EQ(r.actions[0].op, op_type::create);
  EXPECT_EQ(r.actions[0].index, "idx");
  EXPECT_EQ(r.actions[0].id, "a");
  EXPECT_EQ(r.actions[0].source, "{\"x\":1}");
  EXPECT_EQ(r.actions[1].op, op_type::del);
  EXPECT_EQ(r.actions[1].index, "other");
  EXPECT_TRUE(r.actions[2].op_type_create);
  EXPECT_EQ(r.actions[2].source, "{\"y\":2}") << "the \\r of CRLF is not part of the source";
}

TEST(SimEsBulkParse, BodyMustEndWithNewline) {
  bulk_fixture f;
  auto r = f.parse("{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"x\":1}");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->status, 400);
  EXPECT_EQ(r.error->type, "illegal_argument_exception");
  EXPECT_EQ(r.error->reason, "The bulk request must be terminated by a newline [\\n]");
}

TEST(SimEsBulkParse, UnknownActionAndMetadataAreWholeRequestErrors) {
  bulk_fixture f;
  auto r = f.parse("{\"upsert\":{\"_index\":\"a\"}}\n{}\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->type, "illegal_argument_exception");
  EXPECT_THAT(r.error->reason,
              HasSubstr("expected one of [create, delete, index, update] but found [upsert]"));
  r = f.parse("{\"create\":{\"_index\":\"a\",\"_type\":\"doc\"}}\n{}\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->reason, "Action/metadata line [1] contains an unknown parameter [_type]");
  for (const char* ok :
       {"routing", "pipeline", "require_alias", "version", "version_type", "retry_on_conflict"}) {
    r = f.parse(std::string("{\"index\":{\"_index\":\"a\",\"") + ok + "\":\"1\"}}\n{}\n");
    EXPECT_FALSE(r.error) << ok;
  }
  r = f.parse("[1]\n{}\n");
  ASSERT_TRUE(r.error);
  EXPECT_THAT(r.error->reason, HasSubstr("expected START_OBJECT but found [START_ARRAY]"));
  r = f.parse("{\"create\":{\"_index\":\"a\"},\"index\":{}}\n{}\n");
  ASSERT_TRUE(r.error);
  r = f.parse("{not json}\n{}\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->status, 400);
}

TEST(SimEsBulkParse, ActionWithoutSourceAndMissingIndex) {
  bulk_fixture f;
  auto r = f.parse("{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->type, "action_request_validation_exception");
  EXPECT_THAT(r.error->reason, HasSubstr("source is missing"));
  r = f.parse("{\"create\":{\"_id\":\"1\"}}\n{}\n");
  ASSERT_TRUE(r.error);
  EXPECT_THAT(r.error->reason, HasSubstr("index is missing"));
  r = f.parse("");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->reason, "request body is required");
  r = f.parse("\n\n");
  ASSERT_TRUE(r.error);
  EXPECT_THAT(r.error->reason, HasSubstr("no requests added"));
  r = f.parse("{\"delete\":{\"_index\":\"a\"}}\n");
  ASSERT_TRUE(r.error);
  EXPECT_THAT(r.error->reason, HasSubstr("id is missing"));
}

TEST(SimEsBulkParse, BlankActionLinesAreSkipped) {
  bulk_fixture f;
  auto r = f.parse("\n{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{}\n\n");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].line, 2u);
}

class SimEsStore : public ::testing::Test {
 protected:
  index_templates templates{{"logs-*-*"}, true, cluster_flavor{}};
  ingest_pipelines pipelines;
  document_store store{templates, pipelines, store_options{cluster_flavor{}, 7, 0},
                       [] { return std::string("2024.05.01"); }};
  bulk_fixture f;
  item_result run(std::string line_pair) {
    auto r = f.parse(std::move(line_pair));
    EXPECT_FALSE(r.error) << r.error->reason;
    return store.apply(r.actions.at(0));
  }
};

TEST_F(SimEsStore, CreateThenDuplicateIsAConflictAndKeepsTheFirstDocument) {
  auto a = run("{\"create\":{\"_index\":\"audit\",\"_id\":\"e1\"}}\n{\"v\":1}\n");
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.status, 201);
  EXPECT_EQ(a.result, "created");
  auto b = run("{\"create\":{\"_index\":\"audit\",\"_id\":\"e1\"}}\n{\"v\":2}\n");
  EXPECT_EQ(b.status, 409);
  EXPECT_EQ(b.error_type, "version_conflict_engine_exception");
  EXPECT_EQ(store.find("audit")->write().docs.at("e1").source, "{\"v\":1}");
}

TEST_F(SimEsStore, IndexReplacesAndBumpsVersionAndSeqNo) {
  run("{\"index\":{\"_index\":\"audit\",\"_id\":\"e1\"}}\n{\"v\":1}\n");
  auto b = run("{\"index\":{\"_index\":\"audit\",\"_id\":\"e1\"}}\n{\"v\":2}\n");
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.result, "updated");
  EXPECT_EQ(b.version, 2);
  EXPECT_EQ(b.seq_no, 1);
  EXPECT_EQ(store.find("audit")->write().docs.at("e1").source, "{\"v\":2}");
}

TEST_F(SimEsStore, DataStreamsTakeOnlyCreateWithTimestampAndAnswerWithTheBackingIndex) {
  auto ok = run(
      "{\"create\":{\"_index\":\"logs-scaleft-default\",\"_id\":\"1\"}}\n{\"@timestamp\":\"2024-05-01\"}\n");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.index, ".ds-logs-scaleft-default-2024.05.01-000001");
  auto idx = run(
      "{\"index\":{\"_index\":\"logs-scaleft-default\",\"_id\":\"2\"}}\n{\"@timestamp\":\"2024-05-01\"}\n");
  EXPECT_EQ(idx.status, 400);
  EXPECT_EQ(idx.error_type, "illegal_argument_exception");
  auto no_ts = run("{\"create\":{\"_index\":\"logs-scaleft-default\",\"_id\":\"3\"}}\n{\"x\":1}\n");
  EXPECT_EQ(no_ts.status, 400);
  EXPECT_EQ(no_ts.error_type, "document_parsing_exception");
  EXPECT_EQ(store.find("logs-scaleft-default")->write().docs.size(), 1u);
  EXPECT_EQ(store.find(".ds-logs-scaleft-default-2024.05.01-000001"), store.find("logs-scaleft-default"));
  EXPECT_FALSE(store.find("plain-index"));
  run("{\"create\":{\"_index\":\"plain-index\",\"_id\":\"3\"}}\n{\"x\":1}\n");
  EXPECT_FALSE(store.find("plain-index")->data_stream) << "a name outside the pattern is a plain index";
}

TEST_F(SimEsStore, SourceMustBeAJsonObject) {
  for (const char* src : {"[1,2]", "\"text\"", "42", "{\"unclosed\":", "null"}) {
    auto r = run(std::string("{\"index\":{\"_index\":\"audit\",\"_id\":\"x\"}}\n") + src + "\n");
    EXPECT_EQ(r.status, 400) << src;
    EXPECT_EQ(r.error_type, "document_parsing_exception") << src;
  }
  EXPECT_TRUE(store.find("audit")->write().docs.empty());
}

TEST_F(SimEsStore, GeneratedIdsAreUniqueAndStored) {
  auto a = run("{\"create\":{\"_index\":\"audit\"}}\n{\"v\":1}\n");
  auto b = run("{\"index\":{\"_index\":\"audit\"}}\n{\"v\":1}\n");
  EXPECT_EQ(a.id.size(), 20u);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(store.find("audit")->write().docs.size(), 2u);
}

TEST_F(SimEsStore, DeleteUpdateAndBadNames) {
  run("{\"index\":{\"_index\":\"audit\",\"_id\":\"1\"}}\n{\"a\":{\"b\":1,\"c\":2}}\n");
  auto u = run("{\"update\":{\"_index\":\"audit\",\"_id\":\"1\"}}\n{\"doc\":{\"a\":{\"c\":3},\"d\":4}}\n");
  EXPECT_EQ(u.result, "updated");
  EXPECT_EQ(store.find("audit")->write().docs.at("1").source, "{\"a\":{\"b\":1,\"c\":3},\"d\":4}");
  auto noop = run("{\"update\":{\"_index\":\"audit\",\"_id\":\"1\"}}\n{\"doc\":{\"d\":4}}\n");
  EXPECT_EQ(noop.result, "noop");
  auto missing = run("{\"update\":{\"_index\":\"audit\",\"_id\":\"9\"}}\n{\"doc\":{\"d\":4}}\n");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_type, "document_missing_exception");
  auto del = run("{\"delete\":{\"_index\":\"audit\",\"_id\":\"1\"}}\n");
  EXPECT_EQ(del.result, "deleted");
  auto gone = run("{\"delete\":{\"_index\":\"audit\",\"_id\":\"1\"}}\n");
  EXPECT_EQ(gone.status, 404);
  EXPECT_TRUE(gone.ok()) << "a delete of a missing doc is not an error item";
  auto no_index = run("{\"delete\":{\"_index\":\"nope\",\"_id\":\"1\"}}\n");
  EXPECT_EQ(no_index.error_type, "index_not_found_exception");
  auto upper = run("{\"create\":{\"_index\":\"Audit\",\"_id\":\"1\"}}\n{}\n");
  EXPECT_EQ(upper.error_type, "invalid_index_name_exception");
  auto cas =
      run("{\"index\":{\"_index\":\"audit\",\"_id\":\"z\",\"if_seq_no\":5,\"if_primary_term\":1}}\n{}\n");
  EXPECT_EQ(cas.status, 409);
}

TEST(SimEsResponse, CompactWithOneItemPerActionAndErrorsFlag) {
  bulk_action a;
  a.op = op_type::create;
  a.index = "i";
  a.id = "1";
  item_result ok;
  ok.op = op_type::create;
  ok.index = "i";
  ok.id = "1";
  ok.status = 201;
  ok.result = "created";
  ok.version = 1;
  const auto fail = item_failure(a, 429, "es_rejected_execution_exception", "busy");
  EXPECT_EQ(
      render_bulk_response(3, {ok}),
      "{\"errors\":false,\"took\":3,\"items\":[{\"create\":{\"_index\":\"i\",\"_id\":\"1\",\"_version\":1,"
      "\"result\":\"created\",\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},\"_seq_no\":0,"
      "\"_primary_term\":1,\"status\":201}}]}");
  const auto body = render_bulk_response(0, {ok, fail});
  EXPECT_THAT(body, HasSubstr("\"errors\":true"));
  EXPECT_THAT(body,
              HasSubstr("{\"create\":{\"_index\":\"i\",\"_id\":\"1\",\"status\":429,\"error\":{\"type\":"
                        "\"es_rejected_execution_exception\",\"reason\":\"busy\"}}}"));
}

TEST(SimEsFilterPath, BeatsFormKeepsStatusOfEveryItemAndOnlyErrorsThatExist) {
  simdjson::dom::parser p;
  const std::string body =
      "{\"errors\":true,\"took\":1,\"items\":[{\"create\":{\"_index\":\"i\",\"_id\":\"1\",\"status\":201}},"
      "{\"create\":{\"_index\":\"i\",\"_id\":\"2\",\"status\":429,\"error\":{\"type\":\"t\",\"reason\":\"r\"}"
      "}}]}";
  EXPECT_EQ(
      apply_filter_path(body, "errors,items.*.error,items.*.status", p),
      "{\"errors\":true,\"items\":[{\"create\":{\"status\":201}},{\"create\":{\"status\":429,\"error\":{"
      "\"type\":\"t\",\"reason\":\"r\"}}}]}");
  EXPECT_EQ(apply_filter_path(body, "items.*.error", p),
            "{\"items\":[{\"create\":{\"error\":{\"type\":\"t\",\"reason\":\"r\"}}}]}");
  EXPECT_EQ(apply_filter_path(body, "errors", p), "{\"errors\":true}");
  EXPECT_EQ(
      apply_filter_path("{\"errors\":false,\"items\":[{\"create\":{\"status\":201}}]}", "items.*.error", p),
      "{}");
  EXPECT_EQ(apply_filter_path(body, "**.reason", p),
            "{\"items\":[{\"create\":{\"error\":{\"reason\":\"r\"}}}]}");
  EXPECT_EQ(apply_filter_path(body, "items.*._id", p),
            "{\"items\":[{\"create\":{\"_id\":\"1\"}},{\"create\":{\"_id\":\"2\"}}]}");
}

TEST(SimEsMedia, ContentTypesAndTheCompatibilityPair) {
  EXPECT_TRUE(std::holds_alternative<media_ok>(check_media("application/x-ndjson", "", true)));
  EXPECT_TRUE(std::holds_alternative<media_ok>(check_media("application/json; charset=UTF-8", "", true)));
  auto bad = check_media("text/plain", "", true);
  ASSERT_TRUE(std::holds_alternative<media_rejection>(bad));
  EXPECT_EQ(std::get<media_rejection>(bad).status, 406);
  EXPECT_EQ(std::get<media_rejection>(bad).body,
            "{\"error\":\"Content-Type header [text/plain] is not supported\",\"status\":406}");
  const char* ct8 = "application/vnd.elasticsearch+x-ndjson;compatible-with=8";
  const char* ac8 = "application/vnd.elasticsearch+json;compatible-with=8";
  const char* ac7 = "application/vnd.elasticsearch+json;compatible-with=7";
  auto pair = check_media(ct8, ac8, true);
  ASSERT_TRUE(std::holds_alternative<media_ok>(pair));
  EXPECT_EQ(response_content_type(std::get<media_ok>(pair)),
            "application/vnd.elasticsearch+json;compatible-with=8");
  EXPECT_EQ(std::get<media_rejection>(check_media(ct8, "application/json", true)).status, 400);
  EXPECT_EQ(std::get<media_rejection>(check_media("application/json", ac8, true)).status, 400);
  EXPECT_EQ(std::get<media_rejection>(check_media(ct8, ac7, true)).status, 400);
  EXPECT_EQ(std::get<media_rejection>(check_media(ct8, "", true)).status, 400);
}

TEST(SimEsAuth, EachConfiguredSchemeAndTwoHeaders) {
  credentials c;
  c.api_key = "kid:ksecret";
  c.basic = "elastic:pw";
  c.bearer = "tok";
  const std::string api = "ApiKey " + base64_encode("kid:ksecret");
  const std::string basic = "Basic " + base64_encode("elastic:pw");
  EXPECT_EQ(check_auth(c, {api}).outcome, auth_outcome::ok);
  EXPECT_EQ(check_auth(c, {basic}).outcome, auth_outcome::ok);
  EXPECT_EQ(check_auth(c, {"Bearer tok"}).outcome, auth_outcome::ok);
  EXPECT_EQ(check_auth(c, {}).outcome, auth_outcome::missing);
  EXPECT_EQ(check_auth(c, {"Bearer nope"}).outcome, auth_outcome::invalid);
  EXPECT_EQ(check_auth(c, {"ApiKey " + base64_encode("kid:wrong")}).outcome, auth_outcome::invalid);
  auto wrong_user = check_auth(c, {"Basic " + base64_encode("bob:pw")});
  EXPECT_EQ(wrong_user.outcome, auth_outcome::invalid);
  EXPECT_EQ(wrong_user.principal, "bob");
  EXPECT_EQ(check_auth(c, {api, basic}).outcome, auth_outcome::several_headers);
  credentials only_bearer;
  only_bearer.bearer = "tok";
  EXPECT_EQ(check_auth(only_bearer, {basic}).outcome, auth_outcome::invalid)
      << "an unconfigured scheme is refused";
  EXPECT_EQ(check_auth(credentials{}, {}).outcome, auth_outcome::ok);
}

TEST(SimEsFaults, SpecsParseAndFire) {
  EXPECT_TRUE(std::holds_alternative<fault_rule>(parse_fault("item:429:p=0.05")));
  EXPECT_TRUE(std::holds_alternative<fault_rule>(parse_fault("bulk:delay=200ms:n=1")));
  EXPECT_TRUE(std::holds_alternative<fault_rule>(parse_fault("bulk:stall:n=1:delay=2s")));
  for (const char* bad : {"item:500", "bulk:418", "item:429:p=2", "bulk:reset:n=0", "nowhere:429",
                          "bulk:delay=fast", "item:429:q=1"})
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_fault(bad))) << bad;

  fault_plan plan(1);
  plan.add(std::get<fault_rule>(parse_fault("bulk:503:n=2")));
  plan.add(std::get<fault_rule>(parse_fault("item:400:id=bad-1,bad:2")));
  EXPECT_TRUE(plan.draw_bulk());
  EXPECT_TRUE(plan.draw_bulk());
  EXPECT_FALSE(plan.draw_bulk()) << "n=2 fires twice, then the rule is gone";
  EXPECT_TRUE(plan.draw_item("bad-1", true));
  EXPECT_TRUE(plan.draw_item("bad:2", true));
  EXPECT_TRUE(plan.draw_item("bad-1", true)) << "an id rule fires every time the id comes back";
  EXPECT_FALSE(plan.draw_item("good", true));
  EXPECT_EQ(plan.injected().at("bulk:503"), 2u);
  EXPECT_EQ(plan.injected().at("item:400"), 3u);

  fault_plan chance(42);
  chance.add(std::get<fault_rule>(parse_fault("item:429:p=0.25")));
  int hits = 0;
  for (int i = 0; i < 4000; ++i) hits += chance.draw_item("x", true) ? 1 : 0;
  EXPECT_GT(hits, 800);
  EXPECT_LT(hits, 1200);
}

TEST(SimEsTemplates, OverlapAtSamePriorityIsRejected) {
  EXPECT_TRUE(glob_overlap("logs-*-*", "logs-scaleft-*"));
  EXPECT_TRUE(glob_overlap("*-audit", "logs-*"));
  EXPECT_FALSE(glob_overlap("logs-*", "metrics-*"));
  EXPECT_FALSE(glob_overlap("a*b", "a*c"));
  index_templates t({"logs-*-*"}, true, cluster_flavor{});
  auto clash = t.put("mine", "{\"index_patterns\":[\"logs-scaleft-*\"],\"priority\":100,\"data_stream\":{}}");
  ASSERT_TRUE(clash);
  EXPECT_EQ(clash->type, "illegal_argument_exception");
  EXPECT_THAT(clash->reason, HasSubstr("that have the same priority [100]"));
  EXPECT_FALSE(t.put("mine", "{\"index_patterns\":[\"logs-scaleft-*\"],\"priority\":200}"));
  EXPECT_FALSE(t.is_data_stream("logs-scaleft-default")) << "the higher-priority template has no data_stream";
  EXPECT_TRUE(t.is_data_stream("logs-other-default"));
  EXPECT_TRUE(t.put("x", "{\"priority\":1}"));
  EXPECT_TRUE(t.put("x", "{\"index_patterns\":[\"a\"],\"bogus\":1}"));
  ASSERT_EQ(t.find("mine").size(), 1u);
  EXPECT_EQ(t.find("mine")[0]->body, "{\"index_patterns\":[\"logs-scaleft-*\"],\"priority\":200}");
}

TEST(SimEsDecode, GzipDeflateAndTheLimitAfterDecompression) {
  const std::string plain(100000, 'a');
  std::string z(compressBound(plain.size()), '\0');
  uLongf zlen = z.size();
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(plain.data()),
                     plain.size()),
            Z_OK);
  z.resize(zlen);
  std::string out;
  EXPECT_EQ(decode_body("deflate", z, 1 << 20, out), decode_status::ok);
  EXPECT_EQ(out, plain);
  EXPECT_EQ(decode_body("deflate", z, 50000, out), decode_status::too_large)
      << "limit applies to inflated size";
  EXPECT_EQ(decode_body("gzip", "not gzip at all", 1 << 20, out), decode_status::corrupt);
  EXPECT_EQ(decode_body("zstd", "\x28\xb5\x2f\xfd", 1 << 20, out), decode_status::ok);
  EXPECT_EQ(out, "\x28\xb5\x2f\xfd") << "zstd is not decoded: the bytes go to the JSON parser as they are";
}

TEST(SimEsOptions, FlagsAndOneLineErrors) {
  auto o = parse_options({"--listen", "127.0.0.1:0", "--max-content-length", "1mb", "--fault",
                          "item:429:p=0.1", "--data-stream-pattern", "audit-*"});
  ASSERT_TRUE(std::holds_alternative<options>(o));
  EXPECT_EQ(std::get<options>(o).max_content_length, 1u << 20);
  EXPECT_EQ(std::get<options>(o).data_stream_patterns, std::vector<std::string>{"audit-*"});
  EXPECT_THAT(std::get<std::string>(parse_options({"--bogus"})), HasSubstr("--bogus"));
  EXPECT_THAT(std::get<std::string>(parse_options({"--fault", "bulk:999"})), HasSubstr("bulk:999"));
  EXPECT_THAT(std::get<std::string>(parse_options({"--max-content-length", "lots"})), HasSubstr("lots"));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_options({"--listen"})));
}

TEST(SimEsOptions, ClientCaGoesWithTheServerCertificate) {
  auto o = parse_options({"--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-ca", "ca.pem"});
  ASSERT_TRUE(std::holds_alternative<options>(o));
  EXPECT_EQ(std::get<options>(o).tls_client_ca, "ca.pem");
  EXPECT_THAT(std::get<std::string>(parse_options({"--tls-client-ca", "ca.pem"})), HasSubstr("--tls-cert"));
}

// The handler, driven with in-memory requests (no sockets).
class SimEsHandler : public ::testing::Test {
 protected:
  es_sim sim{server_config{}};
  sfsim::reply call(sfsim::http::verb v, std::string target, std::string body = {},
                    std::string content_type = "application/x-ndjson") {
    sfsim::request req{v, target, 11};
    if (!body.empty()) req.set(sfsim::http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    return sim.handle(req);
  }
};

TEST_F(SimEsHandler, ItemFaultsNeverStoreAndAreCounted) {
  sfsim::request faults{sfsim::http::verb::post, "/_sim/faults", 11};
  faults.body() = "item:429:id=b\nitem:503:id=c\n";
  ASSERT_EQ(sim.handle(faults).res.result_int(), 200);
  auto r = call(sfsim::http::verb::post, "/audit/_bulk",
                "{\"create\":{\"_id\":\"a\"}}\n{}\n{\"create\":{\"_id\":\"b\"}}\n{}\n{\"create\":{\"_id\":"
                "\"c\"}}\n{}\n");
  EXPECT_EQ(r.res.result_int(), 200);
  EXPECT_EQ(r.res["X-elastic-product"], "Elasticsearch");
  EXPECT_THAT(r.res.body(),
              HasSubstr("\"status\":429,\"error\":{\"type\":\"es_rejected_execution_exception\""));
  EXPECT_THAT(r.res.body(), HasSubstr("\"status\":503,\"error\":{\"type\":\"unavailable_shards_exception\""));
  EXPECT_EQ(sim.store().find("audit")->write().docs.size(), 1u);
  EXPECT_THAT(sim.state_json(), HasSubstr("\"item:429\":1"));
}

TEST_F(SimEsHandler, BulkFaultsChooseTheDelivery) {
  sfsim::request faults{sfsim::http::verb::post, "/_sim/faults", 11};
  faults.body() = "bulk:reset:n=1\nbulk:reset_body:n=1\nbulk:502:n=1\nbulk:delay=50ms:n=1\n";
  ASSERT_EQ(sim.handle(faults).res.result_int(), 200);
  const std::string body = "{\"create\":{\"_id\":\"a\"}}\n{}\n";
  EXPECT_EQ(call(sfsim::http::verb::post, "/i/_bulk", body).how, sfsim::delivery::reset_before_response);
  EXPECT_FALSE(sim.store().find("i")) << "a reset before processing stores nothing";
  EXPECT_EQ(call(sfsim::http::verb::post, "/i/_bulk", body).how, sfsim::delivery::reset_mid_body);
  EXPECT_EQ(sim.store().find("i")->write().docs.size(), 1u) << "reset_body stores, then loses the answer";
  auto proxy = call(sfsim::http::verb::post, "/i/_bulk", body);
  EXPECT_EQ(proxy.res.result_int(), 502);
  EXPECT_THAT(proxy.res.body(), HasSubstr("<html>"));
  auto late = call(sfsim::http::verb::post, "/i/_bulk", body);
  EXPECT_EQ(late.how, sfsim::delivery::stall);
  EXPECT_EQ(late.delay, std::chrono::milliseconds(50));
  EXPECT_THAT(late.res.body(), HasSubstr("\"status\":409"));
}

TEST(SimEsProductHeader, OnlyFromSevenFourteenOn) {
  // Elasticsearch added X-elastic-product in 7.14: a 7.10.2 node answers without it.
  for (const auto& [version, sent] : std::vector<std::pair<std::string, bool>>{
           {"7.10.2", false}, {"7.13.4", false}, {"6.8.23", false}, {"7.14.0", true}, {"7.17.22", true},
           {"8.15.0", true}, {"9.0.0", true}}) {
    server_config cfg;
    cfg.version = version;
    EXPECT_EQ(cfg.sends_product_header(), sent) << version;
    es_sim sim(cfg);
    sfsim::request req{sfsim::http::verb::get, "/", 11};
    auto r = sim.handle(req);
    EXPECT_EQ(r.res.result_int(), 200u);
    EXPECT_EQ(r.res.find("X-elastic-product") != r.res.end(), sent) << version;
    if (sent) EXPECT_EQ(r.res["X-elastic-product"], "Elasticsearch");
  }
}

TEST_F(SimEsHandler, GzipBodyOverTheLimitAfterDecompressionIs413Empty) {
  server_config cfg;
  cfg.max_content_length = 1000;
  es_sim small(cfg);
  std::string doc =
      "{\"create\":{\"_index\":\"i\",\"_id\":\"a\"}}\n{\"pad\":\"" + std::string(5000, 'x') + "\"}\n";
  std::string z(compressBound(doc.size()) + 32, '\0');
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // gzip framing
  zs.next_in = reinterpret_cast<Bytef*>(doc.data());
  zs.avail_in = doc.size();
  zs.next_out = reinterpret_cast<Bytef*>(z.data());
  zs.avail_out = z.size();
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  z.resize(zs.total_out);
  deflateEnd(&zs);
  ASSERT_LT(z.size(), 1000u);
  sfsim::request req{sfsim::http::verb::post, "/_bulk", 11};
  req.set(sfsim::http::field::content_type, "application/json");
  req.set(sfsim::http::field::content_encoding, "gzip");
  req.body() = z;
  auto r = small.handle(req);
  EXPECT_EQ(r.res.result_int(), 413);
  EXPECT_TRUE(r.res.body().empty());
  sfsim::request ok{sfsim::http::verb::post, "/_bulk", 11};
  ok.set(sfsim::http::field::content_type, "application/json");
  ok.set(sfsim::http::field::content_encoding, "gzip");
  ok.body() = z;
  EXPECT_EQ(sim.handle(ok).res.result_int(), 200) << "the same body under the default limit is accepted";
  EXPECT_EQ(sim.store().find("i")->write().docs.size(), 1u);
}

TEST_F(SimEsHandler, WholeRequestErrorsAndOtherEndpoints) {
  auto no_nl = call(sfsim::http::verb::post, "/_bulk", "{\"create\":{\"_index\":\"i\"}}\n{}");
  EXPECT_EQ(no_nl.res.result_int(), 400);
  EXPECT_THAT(no_nl.res.body(),
              HasSubstr("{\"error\":{\"root_cause\":[{\"type\":\"illegal_argument_exception\""));
  EXPECT_EQ(call(sfsim::http::verb::post, "/_bulk", "{}\n", "text/plain").res.result_int(), 406);
  EXPECT_EQ(call(sfsim::http::verb::post, "/_bulk?bogus=1", "{\"create\":{\"_index\":\"i\"}}\n{}\n")
                .res.result_int(),
            400);
  EXPECT_EQ(call(sfsim::http::verb::get, "/_bulk").res.result_int(), 405);
  auto info = call(sfsim::http::verb::get, "/");
  EXPECT_THAT(info.res.body(), HasSubstr("\"number\":\"8.15.0\",\"build_flavor\":\"default\""));
  EXPECT_THAT(info.res.body(), HasSubstr("You Know, for Search"));
  call(sfsim::http::verb::post, "/_bulk",
       "{\"create\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{}\n{\"create\":{\"_index\":\"j\",\"_id\":\"1\"}}\n{}"
       "\n");
  EXPECT_THAT(call(sfsim::http::verb::get, "/_count").res.body(), HasSubstr("{\"count\":2,"));
  EXPECT_THAT(call(sfsim::http::verb::get, "/i/_count").res.body(), HasSubstr("{\"count\":1,"));
  EXPECT_EQ(call(sfsim::http::verb::get, "/nope/_count").res.result_int(), 404);
  EXPECT_EQ(call(sfsim::http::verb::get, "/_index_template/nope").res.result_int(), 404);
  EXPECT_EQ(call(sfsim::http::verb::head, "/_index_template/logs").res.result_int(), 200);
}

TEST(SimEsBulkParse, BodyWithoutSparePaddingIsParsedAndStoredCorrectly) {
  // Beast sizes the body to its Content-Length: the last lines have no padding after them and get copied.
  std::string body =
      "{\"create\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{\"v\":1}\n{\"create\":{\"_index\":\"i\",\"_id\":"
      "\"2\"}}\n{\"v\":2}\n";
  body.shrink_to_fit();
  simdjson::dom::parser parser;
  auto r = parse_bulk(simdjson::padded_string_view(body.data(), body.size(), body.capacity()), {}, parser);
  ASSERT_TRUE(std::holds_alternative<std::vector<bulk_action>>(r));
  const auto& actions = std::get<std::vector<bulk_action>>(r);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_FALSE(actions[1].source_padded);
  index_templates t({}, true, cluster_flavor{});
  ingest_pipelines pipelines;
  document_store store(t, pipelines, store_options{});
  for (const auto& a : actions) EXPECT_TRUE(store.apply(a).ok());
  EXPECT_EQ(store.find("i")->write().docs.at("2").source, "{\"v\":2}");
}
