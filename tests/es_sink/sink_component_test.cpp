// Component tests: the Elasticsearch sink against a scripted in-process _bulk server on 127.0.0.1:0.
#include "daemon/ops/telemetry.hpp"
#include "sim/common/http_server.hpp"
#include "sinks/elasticsearch/bulk.hpp"
#include "sinks/elasticsearch/gzip.hpp"
#include "sinks/elasticsearch/elasticsearch_sink.hpp"
#include "tests/support/run_bounded.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using sf::audit::event_batch;
using sf::sinks::delivery_report;
using sf::sinks::elasticsearch::elasticsearch_sink;

namespace {

// One request as the server saw it, body decoded when gzip'd.
struct seen_request {
  std::string method;
  std::string target;
  std::string content_type;
  std::string accept;
  std::string content_encoding;
  std::string authorization;
  std::string body;  // decoded
  std::size_t wire_bytes = 0;
  std::vector<std::string> ids;  // the _id of each action, in order
};

std::vector<std::string> action_ids(const std::string& ndjson) {
  std::vector<std::string> ids;
  std::istringstream in(ndjson);
  std::string action, source;
  simdjson::dom::parser p;
  while (std::getline(in, action)) {
    if (!std::getline(in, source)) break;
    simdjson::dom::element e;
    if (p.parse(action).get(e)) break;
    std::string_view id;
    if (e["create"]["_id"].get(id)) break;
    ids.emplace_back(id);
  }
  return ids;
}

std::string bulk_items(const std::vector<int>& statuses) {
  std::string s = R"({"errors":true,"items":[)";
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (i) s += ',';
    const int st = statuses[i];
    s += R"({"create":{"status":)" + std::to_string(st);
    if (st == 409)
      s +=
          R"(,"error":{"type":"version_conflict_engine_exception","reason":"version conflict, document already exists"})";
    if (st == 400)
      s +=
          R"(,"error":{"type":"document_parsing_exception","reason":"[1:15] failed to parse field [@timestamp] of type [date]"})";
    if (st == 429)
      s += R"(,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"})";
    if (st == 503)
      s += R"(,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"})";
    if (st == 403)
      s +=
          R"(,"error":{"type":"security_exception","reason":"action [indices:data/write/bulk[s]] is unauthorized"})";
    s += "}}";
  }
  return s + "]}";
}

sfsim::reply json_reply(bhttp::status st, std::string body, bool product = true) {
  sfsim::reply r;
  r.res.result(st);
  r.res.set(bhttp::field::content_type, "application/json");
  if (product) r.res.set("X-elastic-product", "Elasticsearch");
  r.res.body() = std::move(body);
  return r;
}

sfsim::reply all_created(const seen_request& req) {
  return json_reply(bhttp::status::ok, bulk_items(std::vector<int>(req.ids.size(), 201)));
}

event_batch make_batch(std::size_t n, const std::string& prefix = "ev-") {
  event_batch b;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string id = prefix + std::to_string(i);
    b.add(id, "2026-01-01T00:00:00Z",
          R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"id":")" + id +
              R"(","kind":"event","action":"user.create"},"scaleft":{"details":{"n":)" + std::to_string(i) +
              "}}}");
  }
  return b;
}

// A scripted Elasticsearch: GET / answers `root`, PUT template answers 200, _bulk calls `bulk`.
class es_sink_component : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.index = "scaleft-audit";
    cfg_.max_in_flight = 1;
    cfg_.request_timeout = 5s;
    tuning_.initial_backoff = 10ms;
    tuning_.max_backoff = 50ms;
    tuning_.slow_retry = 300ms;
  }
  void TearDown() override {
    drain();
    if (server_) server_->stop();
  }

  void start_server(sfsim::server_options opts = {}) {
    const bool tls = opts.tls != nullptr;
    server_ = std::make_unique<sfsim::http_server>(
        io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
        [this](sfsim::request& req) { return handle(req); }, std::move(opts));
    server_->start();
    url_ = std::string(tls ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(server_->local_endpoint().port());
    cfg_.urls = {url_};
  }

  sfsim::reply handle(sfsim::request& req) {
    seen_request s;
    s.method = std::string(req.method_string());
    s.target = std::string(req.target());
    auto hdr = [&](auto f) {
      auto it = req.find(f);
      return it == req.end() ? std::string() : std::string(it->value());
    };
    s.content_type = hdr(bhttp::field::content_type);
    s.accept = hdr(bhttp::field::accept);
    s.content_encoding = hdr(bhttp::field::content_encoding);
    s.authorization = hdr(bhttp::field::authorization);
    s.wire_bytes = req.body().size();
    s.body = req.body();
    if (s.content_encoding == "gzip") {
      auto d = sf::sinks::elasticsearch::gzip_decompress(req.body());
      s.body = d ? *d : "<corrupt gzip>";
    }
    if (req.method() == bhttp::verb::get && req.target() == "/") {
      seen_.push_back(s);
      return root_();
    }
    if (req.method() == bhttp::verb::put) {
      seen_.push_back(s);
      return json_reply(bhttp::status::ok, R"({"acknowledged":true})");
    }
    if (req.method() == bhttp::verb::get) {  // setup's look-ups: a cluster with nothing installed yet
      seen_.push_back(s);
      return json_reply(bhttp::status::not_found,
                        R"({"error":{"root_cause":[],"type":"resource_not_found_exception","reason":"not found"},)"
                        R"("status":404})");
    }
    s.ids = action_ids(s.body);
    seen_.push_back(s);
    return bulk_(seen_.back());
  }

  std::vector<seen_request> bulks() const {
    std::vector<seen_request> out;
    for (const auto& s : seen_) {
      if (s.method == "POST") out.push_back(s);
    }
    return out;
  }

  std::unique_ptr<elasticsearch_sink> make_sink() {
    return std::make_unique<elasticsearch_sink>("es-test", cfg_, io_.get_executor(), state_dir_.string(),
                                                tuning_);
  }

  // Runs deliver() on the shared io_context for at most `limit` (cancelling it after `cancel_after` when
  // given). nullopt: not finished in time, or it threw (error_). An unfinished delivery keeps running on io_
  // until drain() cancels it, so `batch` must outlive it.
  std::optional<delivery_report> deliver(
      elasticsearch_sink& sink, const event_batch& batch, std::chrono::milliseconds limit = 10s,
      std::optional<std::chrono::milliseconds> cancel_after = std::nullopt) {
    drain();
    running_ = true;
    result_.reset();
    error_ = nullptr;
    asio::co_spawn(
        io_, sink.deliver(batch),
        asio::bind_cancellation_slot(cancel_.slot(), [this](std::exception_ptr e, delivery_report r) {
          running_ = false;
          error_ = e;
          if (!e) result_ = r;
        }));
    if (cancel_after) {
      const bool ended = sf::test::run_until(io_, [this] { return !running_; }, *cancel_after);
      if (!ended) cancel_.emit(asio::cancellation_type::terminal);
      limit -= std::min(limit, *cancel_after);
    }
    (void)sf::test::run_until(io_, [this] { return !running_; }, limit);
    return result_;
  }

  // Cancels a delivery still running and runs the loop until it has ended (bounded).
  void drain() {
    if (!running_) return;
    cancel_.emit(asio::cancellation_type::terminal);
    ASSERT_TRUE(sf::test::run_until(io_, [this] { return !running_; }, 5s)) << "a cancelled delivery did not end";
  }

  std::vector<std::string> dead_letter_lines() const {
    std::vector<std::string> lines;
    std::ifstream in(state_dir_ / "dead-letter" / "es-test.ndjson");
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  asio::io_context io_;
  std::unique_ptr<sfsim::http_server> server_;
  std::string url_;
  sf::test::temp_dir tmp_{"sf-es-sink-test"};
  fs::path state_dir_ = tmp_.path();
  sf::config::elasticsearch_sink_config cfg_;
  sf::sinks::elasticsearch::elasticsearch_tuning tuning_;
  std::vector<seen_request> seen_;
  std::function<sfsim::reply()> root_ = [] {
    return json_reply(
        bhttp::status::ok,
        R"({"name":"n1","cluster_name":"c","version":{"number":"8.15.0","build_flavor":"default"},"tagline":"You Know, for Search"})");
  };
  std::function<sfsim::reply(const seen_request&)> bulk_ = all_created;
  asio::cancellation_signal cancel_;
  bool running_ = false;
  std::optional<delivery_report> result_;
  std::exception_ptr error_;
};

TEST_F(es_sink_component, mixed_outcomes_resend_only_429_and_503_items_and_dead_letter_the_400) {
  start_server();
  int call = 0;
  bulk_ = [&](const seen_request& r) {
    if (call++ == 0) return json_reply(bhttp::status::ok, bulk_items({201, 409, 400, 429, 503}));
    return all_created(r);
  };
  auto sink = make_sink();
  auto batch = make_batch(5);
  auto rep = deliver(*sink, batch);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 3u);
  EXPECT_EQ(rep->duplicates, 1u);
  EXPECT_EQ(rep->dead_lettered, 1u);
  EXPECT_EQ(rep->requests, 2u);
  auto b = bulks();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].ids, (std::vector<std::string>{"ev-0", "ev-1", "ev-2", "ev-3", "ev-4"}));
  EXPECT_EQ(b[1].ids, (std::vector<std::string>{"ev-3", "ev-4"}));
  EXPECT_EQ(b[0].target, "/_bulk?filter_path=errors,items.*.error,items.*.status");
  EXPECT_EQ(sink->stats().retried_items, 2u);

  auto lines = dead_letter_lines();
  ASSERT_EQ(lines.size(), 1u);
  simdjson::dom::parser p;
  auto doc = p.parse(lines[0]);
  EXPECT_EQ(std::string_view(doc["event_id"]), "ev-2");
  EXPECT_EQ(int64_t(doc["status"]), 400);
  EXPECT_EQ(std::string_view(doc["error_type"]), "document_parsing_exception");
  EXPECT_NE(std::string(std::string_view(doc["error_reason"])).find("failed to parse field"),
            std::string::npos);
  EXPECT_EQ(std::string_view(doc["document"]["event"]["id"]), "ev-2");
  EXPECT_FALSE(std::string(std::string_view(doc["time"])).empty());

  struct stat st {};
  ASSERT_EQ(::stat((state_dir_ / "dead-letter").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((state_dir_ / "dead-letter" / "es-test.ndjson").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// The sink reports to its observer (here the daemon's telemetry) as it works: what /metrics serves.
TEST_F(es_sink_component, reports_requests_bytes_retries_and_dead_letters_to_its_observer) {
  start_server();
  int call = 0;
  bulk_ = [&](const seen_request& r) {
    if (call++ == 0) return json_reply(bhttp::status::too_many_requests, R"({"error":{"type":"es_rejected_execution_exception","reason":"queue full"},"status":429})");
    if (call == 2) return json_reply(bhttp::status::ok, bulk_items({201, 409, 400, 429, 503}));
    return all_created(r);
  };
  sf::ops::sink_telemetry seen;  // declared first: it outlives the sink
  auto sink = make_sink();
  sink->set_observer(seen);
  auto batch = make_batch(5);
  auto rep = deliver(*sink, batch);
  ASSERT_TRUE(rep);
  EXPECT_EQ(seen.requests, (std::map<std::string, std::uint64_t>{{"200", 2}, {"429", 1}}));
  EXPECT_EQ(seen.retried_events, 5u + 2u);  // the whole request after the 429, then the 429 and 503 items
  EXPECT_EQ(seen.dead_lettered, 1u);
  EXPECT_EQ(seen.dead_lettered, rep->dead_lettered);
  std::uint64_t payload = 0;
  std::uint64_t wire = 0;
  for (const auto& b : bulks()) {
    payload += b.body.size();
    wire += b.wire_bytes;
  }
  EXPECT_EQ(seen.payload_bytes, payload);
  EXPECT_EQ(seen.wire_bytes, wire);
  EXPECT_EQ(seen.wire_bytes, sink->stats().bytes_sent);
  EXPECT_LT(seen.wire_bytes, seen.payload_bytes);  // gzip, the default
}

TEST_F(es_sink_component, duplicates_count_as_delivered) {
  start_server();
  bulk_ = [](const seen_request& r) {
    return json_reply(bhttp::status::ok, bulk_items(std::vector<int>(r.ids.size(), 409)));
  };
  auto sink = make_sink();
  auto rep = deliver(*sink, make_batch(4));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->duplicates, 4u);
  EXPECT_EQ(rep->stored, 0u);
  EXPECT_EQ(rep->requests, 1u);
  EXPECT_TRUE(dead_letter_lines().empty());
}

TEST_F(es_sink_component, a_413_splits_the_request_into_halves) {
  start_server();
  bulk_ = [](const seen_request& r) {
    if (r.ids.size() > 2) {
      sfsim::reply x;
      x.res.result(bhttp::status::payload_too_large);
      return x;
    }
    return all_created(r);
  };
  auto sink = make_sink();
  auto rep = deliver(*sink, make_batch(8));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 8u);
  auto b = bulks();
  // 8 -> 413, 4 -> 413, 2, 2, 4 -> 413, 2, 2
  ASSERT_EQ(b.size(), 7u);
  EXPECT_EQ(b[0].ids.size(), 8u);
  EXPECT_EQ(b[1].ids.size(), 4u);
  EXPECT_EQ(b[2].ids, (std::vector<std::string>{"ev-0", "ev-1"}));
  std::vector<std::string> stored;
  for (const auto& r : b) {
    if (r.ids.size() <= 2) stored.insert(stored.end(), r.ids.begin(), r.ids.end());
  }
  EXPECT_EQ(stored.size(), 8u);
  EXPECT_EQ(sink->stats().requests_by_status.at(413), 3u);
}

TEST_F(es_sink_component, the_server_body_limit_splits_big_requests) {
  sfsim::server_options opts;
  opts.max_body_bytes = 3000;  // the server answers 413 (and closes) before reading the body
  cfg_.compress = sf::config::elasticsearch_sink_config::compression::none;
  start_server(opts);
  auto sink = make_sink();
  auto batch = make_batch(40);
  auto rep = deliver(*sink, batch);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 40u);
  std::size_t stored = 0;
  for (const auto& r : bulks()) stored += r.ids.size();
  EXPECT_EQ(stored, 40u);  // every request the handler saw was under the limit and fully stored
}

TEST_F(es_sink_component, whole_request_429_503_and_502_html_are_retried_until_success) {
  start_server();
  int call = 0;
  bulk_ = [&](const seen_request& r) {
    switch (call++) {
      case 0:
        return json_reply(
            bhttp::status::too_many_requests,
            R"({"error":{"type":"es_rejected_execution_exception","reason":"indexing pressure"},"status":429})");
      case 1:
        return json_reply(bhttp::status::service_unavailable,
                          R"({"error":{"type":"cluster_block_exception","reason":"blocked"},"status":503})");
      case 2: {
        sfsim::reply x;
        x.res.result(bhttp::status::bad_gateway);
        x.res.set(bhttp::field::content_type, "text/html");
        x.res.body() = "<html><body><h1>502 Bad Gateway</h1></body></html>";
        return x;
      }
      case 3:
        return json_reply(bhttp::status::ok, "{\"errors\":false,\"items\":[");  // truncated: unusable
      case 4:
        return json_reply(bhttp::status::ok, bulk_items({201}));  // wrong item count
      default:
        return all_created(r);
    }
  };
  auto sink = make_sink();
  auto rep = deliver(*sink, make_batch(3));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 3u);
  EXPECT_EQ(rep->requests, 6u);
  const auto& by = sink->stats().requests_by_status;
  EXPECT_EQ(by.at(429), 1u);
  EXPECT_EQ(by.at(503), 1u);
  EXPECT_EQ(by.at(502), 1u);
  EXPECT_EQ(by.at(200), 3u);
  for (const auto& r : bulks()) EXPECT_EQ(r.ids.size(), 3u);
}

TEST_F(es_sink_component, a_connection_reset_is_retried) {
  start_server();
  int call = 0;
  bulk_ = [&](const seen_request& r) {
    if (call++ == 0) {
      sfsim::reply x = all_created(r);
      x.how = sfsim::delivery::reset_before_response;
      return x;
    }
    if (call == 2) {
      sfsim::reply x = all_created(r);
      x.how = sfsim::delivery::reset_mid_body;
      return x;
    }
    return all_created(r);
  };
  auto sink = make_sink();
  auto rep = deliver(*sink, make_batch(5));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 5u);
  // The client itself resends once a request whose reused keep-alive connection dropped before any byte of
  // the answer; the sink retries the rest. Either way each drop costs a request and nothing is lost.
  EXPECT_EQ(bulks().size(), 3u);
  EXPECT_GE(sink->stats().requests_by_status.at(0), 1u);
  EXPECT_EQ(sink->stats().requests_by_status.at(200), 1u);
}

TEST_F(es_sink_component, gzip_bodies_decode_to_the_exact_ndjson) {
  start_server();
  auto sink = make_sink();
  auto batch = make_batch(50);
  ASSERT_TRUE(deliver(*sink, batch));
  auto b = bulks();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].content_encoding, "gzip");
  std::vector<std::uint32_t> all(batch.size());
  for (std::uint32_t i = 0; i < batch.size(); ++i) all[i] = i;
  // With no pipeline named, the sink writes event.ingested itself: the send time, the same for the request.
  const auto at = b[0].body.find(R"("ingested":")");
  ASSERT_NE(at, std::string::npos);
  sf::sinks::elasticsearch::bulk_format f;
  f.target = "scaleft-audit";
  f.extras.ingested = sf::sinks::elasticsearch::ingested_field(b[0].body.substr(at + 12, 24));
  EXPECT_EQ(b[0].body, sf::sinks::elasticsearch::encode_bulk_body(batch, all, f));
  EXPECT_LT(b[0].wire_bytes, b[0].body.size() / 3);
  EXPECT_EQ(sink->stats().bytes_sent, b[0].wire_bytes);
}

TEST_F(es_sink_component, no_compression_sends_plain_ndjson) {
  cfg_.compress = sf::config::elasticsearch_sink_config::compression::none;
  start_server();
  auto sink = make_sink();
  ASSERT_TRUE(deliver(*sink, make_batch(3)));
  auto b = bulks();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].content_encoding, "");
  EXPECT_EQ(b[0].ids.size(), 3u);
  EXPECT_EQ(b[0].body.back(), '\n');
}

TEST_F(es_sink_component, requests_respect_max_batch_events_and_bytes) {
  cfg_.max_batch_events = 4;
  start_server();
  auto sink = make_sink();
  ASSERT_TRUE(deliver(*sink, make_batch(10)));
  auto b = bulks();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].ids.size(), 4u);
  EXPECT_EQ(b[2].ids.size(), 2u);

  seen_.clear();
  cfg_.max_batch_events = 1000;
  cfg_.max_batch_bytes = 600;
  auto sink2 = make_sink();
  ASSERT_TRUE(deliver(*sink2, make_batch(10)));
  for (const auto& r : bulks()) EXPECT_LE(r.body.size(), 600u);
  EXPECT_GT(bulks().size(), 2u);
}

TEST_F(es_sink_component, each_auth_mode_sends_its_one_header) {
  start_server();
  struct mode {
    std::function<void(sf::config::elasticsearch_sink_config&)> set;
    std::string expected;
  };
  std::vector<mode> modes = {
      {[](auto& c) { c.api_key.value = "aWQ6a2V5"; }, "ApiKey aWQ6a2V5"},
      {[](auto& c) {
         c.username = "elastic";
         c.password.value = "s3cret";
       },
       "Basic ZWxhc3RpYzpzM2NyZXQ="},
      {[](auto& c) { c.bearer_token.value = "tok123"; }, "Bearer tok123"},
      {[](auto&) {}, ""},
  };
  for (const auto& m : modes) {
    seen_.clear();
    auto c = cfg_;
    m.set(c);
    elasticsearch_sink sink("es-test", c, io_.get_executor(), state_dir_.string(), tuning_);
    ASSERT_TRUE(deliver(sink, make_batch(1)));
    ASSERT_EQ(seen_.size(), 2u);  // GET / and one _bulk
    for (const auto& s : seen_) EXPECT_EQ(s.authorization, m.expected) << s.method;
  }
}

TEST_F(es_sink_component, a_403_on_get_root_does_not_stop_delivery) {
  root_ = [] {
    return json_reply(
        bhttp::status::forbidden,
        R"({"error":{"type":"security_exception","reason":"action [cluster:monitor/main] is unauthorized"},"status":403})");
  };
  start_server();
  auto sink = make_sink();
  auto rep = deliver(*sink, make_batch(2));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 2u);
  auto b = bulks();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].content_type, "application/x-ndjson");  // version unknown: no compatibility headers
  // GET / is asked once per sink, not per batch.
  ASSERT_TRUE(deliver(*sink, make_batch(2, "second-")));
  int gets = 0;
  for (const auto& s : seen_) gets += s.method == "GET";
  EXPECT_EQ(gets, 1);
}

TEST_F(es_sink_component, v8_headers_go_only_to_an_8x_server) {
  start_server();
  {
    auto sink = make_sink();
    ASSERT_TRUE(deliver(*sink, make_batch(1)));
    auto b = bulks();
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].content_type, "application/vnd.elasticsearch+x-ndjson;compatible-with=8");
    EXPECT_EQ(b[0].accept, "application/vnd.elasticsearch+json;compatible-with=8");
    EXPECT_EQ(sink->stats().server_version, "8.15.0");
  }
  seen_.clear();
  root_ = [] { return json_reply(bhttp::status::ok, R"({"version":{"number":"7.17.22"}})"); };
  {
    auto sink = make_sink();
    ASSERT_TRUE(deliver(*sink, make_batch(1)));
    auto b = bulks();
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].content_type, "application/x-ndjson");
    EXPECT_EQ(b[0].accept.find("compatible-with"), std::string::npos);
  }
}

TEST_F(es_sink_component, a_response_without_the_product_header_is_accepted) {
  start_server();
  bulk_ = [](const seen_request& r) {
    return json_reply(bhttp::status::ok, bulk_items(std::vector<int>(r.ids.size(), 201)), false);
  };
  auto sink = make_sink();
  auto rep = deliver(*sink, make_batch(3));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 3u);
}

TEST_F(es_sink_component, per_item_403_is_kept_and_retried_slowly) {
  start_server();
  int call = 0;
  bulk_ = [&](const seen_request& r) {
    if (call++ == 0) return json_reply(bhttp::status::ok, bulk_items({201, 403}));
    return all_created(r);
  };
  auto sink = make_sink();
  const auto start = std::chrono::steady_clock::now();
  auto rep = deliver(*sink, make_batch(2));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 2u);
  EXPECT_EQ(rep->dead_lettered, 0u);
  EXPECT_GE(took, 150ms);  // slow_retry 300 ms with equal jitter: at least half of it
  auto b = bulks();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].ids, std::vector<std::string>{"ev-1"});
}

TEST_F(es_sink_component, whole_request_401_is_retried_slowly_then_succeeds) {
  start_server();
  int call = 0;
  bulk_ = [&](const seen_request& r) {
    if (call++ == 0) {
      auto x = json_reply(
          bhttp::status::unauthorized,
          R"({"error":{"type":"security_exception","reason":"unable to authenticate"},"status":401})");
      x.res.set(bhttp::field::www_authenticate, R"(ApiKey, Basic realm="security", charset="UTF-8")");
      return x;
    }
    return all_created(r);
  };
  auto sink = make_sink();
  const auto start = std::chrono::steady_clock::now();
  auto rep = deliver(*sink, make_batch(2));
  ASSERT_TRUE(rep);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_EQ(rep->stored, 2u);
  EXPECT_EQ(sink->stats().requests_by_status.at(401), 1u);
}

TEST_F(es_sink_component, up_to_max_in_flight_requests_run_at_once) {
  cfg_.max_in_flight = 3;
  cfg_.max_batch_events = 1;
  start_server();
  bulk_ = [](const seen_request& r) {
    auto x = all_created(r);
    x.how = sfsim::delivery::stall;
    x.delay = 200ms;
    return x;
  };
  auto sink = make_sink();
  const auto start = std::chrono::steady_clock::now();
  auto rep = deliver(*sink, make_batch(6));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 6u);
  EXPECT_GE(took, 390ms);                          // 6 requests of 200 ms, 3 at a time: two waves
  EXPECT_LT(took, 1000ms);                         // sequential would take 1200 ms
  EXPECT_EQ(server_->connections_accepted(), 3u);  // keep-alive: one connection per slot
}

TEST_F(es_sink_component, a_dead_url_fails_over_to_the_next) {
  start_server();
  // A port that refuses connections: bind, note it, close.
  asio::ip::tcp::acceptor probe(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto dead_port = probe.local_endpoint().port();
  probe.close();
  cfg_.urls = {"http://127.0.0.1:" + std::to_string(dead_port), url_};
  auto sink = make_sink();
  auto rep = deliver(*sink, make_batch(3));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 3u);
  EXPECT_EQ(sink->stats().server_version, "8.15.0");
}

TEST_F(es_sink_component, template_install_runs_setup_and_the_pipeline_then_sets_event_ingested) {
  cfg_.index.clear();
  cfg_.data_stream = "logs-scaleft.audit-default";
  cfg_.template_install = true;
  start_server();
  auto sink = make_sink();
  ASSERT_TRUE(deliver(*sink, make_batch(1)));
  std::vector<std::string> puts;
  std::optional<seen_request> index_template;
  for (const auto& s : seen_) {
    if (s.method != "PUT") continue;
    puts.push_back(s.target);
    if (s.target.rfind("/_index_template/", 0) == 0) index_template = s;
  }
  // Dependencies first: the pipeline and policy that the component template names, then the templates.
  ASSERT_EQ(puts, (std::vector<std::string>{"/_ingest/pipeline/logs-scaleft.audit%40pipeline",
                                            "/_ilm/policy/logs-scaleft.audit",
                                            "/_component_template/logs-scaleft.audit%40package",
                                            "/_index_template/logs-scaleft.audit"}));
  simdjson::dom::parser p;
  auto doc = p.parse(index_template->body);
  EXPECT_TRUE(doc["data_stream"].is_object());
  EXPECT_EQ(int64_t(doc["priority"]), 200);
  auto b = bulks();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].body.find(R"("_index":"logs-scaleft.audit-default")"), std::string::npos);
  // The pipeline is the data stream's default now: the sink leaves event.ingested to it.
  EXPECT_EQ(b[0].body.find(R"("ingested")"), std::string::npos);
  EXPECT_NE(b[0].body.find(
                R"(,"data_stream":{"type":"logs","dataset":"scaleft.audit","namespace":"default"}})"),
            std::string::npos);
}

TEST_F(es_sink_component, event_time_index_names_each_item_from_its_timestamp) {
  cfg_.index = "scaleft-audit-%{+yyyy.MM.dd}";
  cfg_.pipeline = "my-pipe";
  start_server();
  auto sink = make_sink();
  event_batch batch;
  batch.add("a", "2026-01-01T23:59:59Z", R"({"@timestamp":"2026-01-01T23:59:59Z","event":{"id":"a"}})");
  batch.add("b", "2026-01-02T00:30:00+01:00", R"({"@timestamp":"2026-01-02T00:30:00+01:00","event":{"id":"b"}})");
  batch.add("c", "2026-01-02T00:00:00Z", R"({"@timestamp":"2026-01-02T00:00:00Z","event":{"id":"c"}})");
  batch.add("d", "not a time", R"({"@timestamp":"not a time","event":{"id":"d"}})");
  auto rep = deliver(*sink, batch);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 3u);
  EXPECT_EQ(rep->dead_lettered, 1u);
  auto b = bulks();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].target.find("&pipeline=my-pipe"), std::string::npos);
  EXPECT_EQ(b[0].body,
            "{\"create\":{\"_index\":\"scaleft-audit-2026.01.01\",\"_id\":\"a\"}}\n"
            "{\"@timestamp\":\"2026-01-01T23:59:59Z\",\"event\":{\"id\":\"a\"}}\n"
            "{\"create\":{\"_index\":\"scaleft-audit-2026.01.01\",\"_id\":\"b\"}}\n"
            "{\"@timestamp\":\"2026-01-02T00:30:00+01:00\",\"event\":{\"id\":\"b\"}}\n"
            "{\"create\":{\"_index\":\"scaleft-audit-2026.01.02\",\"_id\":\"c\"}}\n"
            "{\"@timestamp\":\"2026-01-02T00:00:00Z\",\"event\":{\"id\":\"c\"}}\n");
  std::ifstream dead(sink->dead_letter_path());
  std::string line;
  ASSERT_TRUE(std::getline(dead, line));
  EXPECT_NE(line.find("invalid_timestamp"), std::string::npos);
  EXPECT_NE(line.find(R"("event_id":"d")"), std::string::npos);
}

TEST_F(es_sink_component, an_unwritable_dead_letter_keeps_the_event_until_it_can_be_written) {
  start_server();
  bulk_ = [](const seen_request& r) {
    return json_reply(bhttp::status::ok, bulk_items(std::vector<int>(r.ids.size(), 400)));
  };
  // A regular file where the dead-letter directory should be: nothing can be written there.
  { std::ofstream(state_dir_ / "dead-letter") << "in the way"; }
  auto sink = make_sink();
  const auto batch = make_batch(1);
  auto rep = deliver(*sink, batch, 700ms);
  EXPECT_FALSE(rep);  // neither stored nor dead-lettered: deliver() must not return
  EXPECT_EQ(sink->stats().dead_lettered, 0u);
  // The operator fixes the disk; the coroutine still running finishes on its next slow retry.
  fs::remove(state_dir_ / "dead-letter");
  (void)sf::test::run_until(io_, [&] { return sink->stats().dead_lettered != 0; }, 5s);
  EXPECT_EQ(sink->stats().dead_lettered, 1u);
  EXPECT_EQ(dead_letter_lines().size(), 1u);
}

TEST_F(es_sink_component, cancellation_ends_deliver_promptly) {
  start_server();
  bulk_ = [](const seen_request& r) {
    auto x = all_created(r);
    x.how = sfsim::delivery::stall;
    x.delay = 3s;
    return x;
  };
  auto sink = make_sink();
  const auto start = std::chrono::steady_clock::now();
  auto rep = deliver(*sink, make_batch(2), 2s, 200ms);
  EXPECT_FALSE(rep);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  ASSERT_TRUE(error_);
  try {
    std::rethrow_exception(error_);
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), asio::error::operation_aborted);
  }
  EXPECT_EQ(sink->stats().stored, 0u);
}

// TLS: a CA and a server certificate for IP 127.0.0.1, made with openssl for this test.
class es_sink_tls : public es_sink_component {
 protected:
  bool make_certs() {
    const auto d = state_dir_.string();
    const std::string cmd =
        "cd '" + d +
        "' && printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out "
        "ca.pem "
        "-days 2 -subj /CN=es-sink-test-ca 2>/dev/null && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr "
        "-subj /CN=127.0.0.1 2>/dev/null && "
        "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 "
        "-extfile ext.cnf 2>/dev/null";
    return std::system(cmd.c_str()) == 0;
  }
};

TEST_F(es_sink_tls, verification_is_on_by_default_and_ca_file_makes_it_work) {
  ASSERT_TRUE(make_certs());
  sfsim::server_options opts;
  opts.tls = sfsim::make_server_tls((state_dir_ / "srv.pem").string(), (state_dir_ / "srv.key").string());
  start_server(opts);
  ASSERT_EQ(url_.rfind("https://", 0), 0u);
  {
    auto sink = make_sink();  // no ca_file: the system store does not know our CA
    const auto batch = make_batch(2);
    auto rep = deliver(*sink, batch, 500ms);
    EXPECT_FALSE(rep);
    EXPECT_TRUE(bulks().empty());
    EXPECT_GE(sink->stats().requests_by_status.at(0), 1u);
    EXPECT_EQ(sink->stats().stored, 0u);
    drain();  // the delivery still retries the handshake: end it before its batch goes
  }
  seen_.clear();
  cfg_.ca_file = (state_dir_ / "ca.pem").string();
  auto sink = make_sink();
  auto rep = deliver(*sink, make_batch(2));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 2u);
  EXPECT_EQ(bulks().size(), 1u);
}

TEST_F(es_sink_component, an_unreadable_ca_file_fails_at_start_up) {
  cfg_.urls = {"https://127.0.0.1:9200"};
  cfg_.ca_file = (state_dir_ / "missing.pem").string();
  EXPECT_THROW(make_sink(), std::runtime_error);
}

}  // namespace
