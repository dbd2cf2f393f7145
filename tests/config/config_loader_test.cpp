// Tests of the configuration loader: every error class, values, env expansion, secrets, rendering.
#include "config/config_loader.hpp"
#include "tests/config/load_text.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sf::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// A minimal valid file; tests append or replace lines.
constexpr const char* minimal = R"(source:
  team: acme
  key_id: kid-1
  key_secret: inline-secret
sinks:
  - name: archive
    type: file
    path: /tmp/audit.ndjson
)";

using test::all_errors;
using test::env_of;

load_result load(const std::string& yaml, std::map<std::string, std::string> vars = {}) {
  return load_config_text(yaml, "test.yaml", env_of(std::move(vars)));
}

// The single error expected from a config with one mistake.
load_error only_error(const std::string& yaml, std::map<std::string, std::string> vars = {}) {
  return test::only_error_of(load(yaml, std::move(vars)));
}

using sf::test::temp_dir;

std::string es_sink(const std::string& extra) {
  return std::string(R"(source:
  team: acme
  key_id: kid-1
  key_secret: inline-secret
sinks:
  - name: elk
    type: elasticsearch
)") + extra;
}

TEST(ConfigLoader, MinimalFileGetsDefaults) {
  auto r = load(minimal);
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto& c = *r.config;
  EXPECT_EQ(c.source.url, "https://app.scaleft.com");
  EXPECT_EQ(c.source.team, "acme");
  EXPECT_EQ(c.source.key_secret.value, "inline-secret");
  EXPECT_EQ(c.source.key_secret.source, "inline");
  EXPECT_EQ(c.source.page_size, 1000);
  EXPECT_EQ(c.source.poll_interval, 30s);
  EXPECT_EQ(c.source.start_at.what, start_position::kind::oldest);
  EXPECT_EQ(c.state_dir, "/var/lib/scaleft-forwarder");
  EXPECT_EQ(c.shutdown_grace, 10s);
  EXPECT_EQ(c.retry.config_error_backoff, 5min);
  ASSERT_EQ(c.sinks.size(), 1u);
  EXPECT_EQ(c.sinks[0].type(), "file");
  const auto& f = std::get<file_sink_config>(c.sinks[0].settings);
  EXPECT_EQ(f.path, "/tmp/audit.ndjson");
  EXPECT_TRUE(f.fsync);
  EXPECT_EQ(f.page_cache, file_sink_config::page_cache_policy::drop);
  EXPECT_EQ(f.rotate_bytes, 0u);  // rotation is off unless asked for
  EXPECT_EQ(f.rotate_interval, 0s);
  EXPECT_EQ(c.log.min_level, log_config::level::info);
}

TEST(ConfigLoader, FullExampleLoadsEveryValue) {
  temp_dir dir;
  const auto secret_path = dir.write("sft", "sft-secret\n");
  const std::string yaml = R"(source:
  url: http://127.0.0.1:8080/
  team: acme
  service_user: log-forwarder
  key_id: ${SFT_KEY_ID}
  key_secret_file: )" + secret_path +
                           R"(
  page_size: 250
  poll_interval: 1500ms
  request_timeout: 2m
  start_at: 2024-05-01T00:00:00+02:00
  ca_file: /etc/ssl/custom-ca.pem
state_dir: /tmp/state
shutdown_grace: 3s
retry: {initial_backoff: 100ms, max_backoff: 1h, config_error_backoff: 7d}
sinks:
  - name: archive
    type: file
    path: /var/log/audit.ndjson.zst
    compression: zstd
    fsync: false
  - name: elk
    type: elasticsearch
    urls: [https://es1.example:9200/, "https://es2.example"]
    data_stream: logs-scaleft.audit-default
    api_key: ${ES_API_KEY}
    ca_file: /etc/es-ca.pem
    compression: none
    max_batch_events: 100
    max_batch_bytes: 2MiB
    max_in_flight: 4
    request_timeout: 10s
    template: true
log:
  level: debug
  format: text
)";
  auto r = load(yaml, {{"SFT_KEY_ID", "6052868b"}, {"ES_API_KEY", "aWQ6a2V5"}});
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto& c = *r.config;
  EXPECT_EQ(c.source.url, "http://127.0.0.1:8080");
  EXPECT_EQ(c.source.key_id, "6052868b");
  EXPECT_EQ(c.source.key_secret.value, "sft-secret");
  EXPECT_EQ(c.source.key_secret.source, "file:" + secret_path);
  EXPECT_EQ(c.source.page_size, 250);
  EXPECT_EQ(c.source.poll_interval, 1500ms);
  EXPECT_EQ(c.source.request_timeout, 2min);
  EXPECT_EQ(c.source.start_at.what, start_position::kind::at_time);
  EXPECT_EQ(c.source.start_at.time, "2024-05-01T00:00:00+02:00");
  EXPECT_EQ(c.source.ca_file, "/etc/ssl/custom-ca.pem");
  EXPECT_EQ(c.state_dir, "/tmp/state");
  EXPECT_EQ(c.shutdown_grace, 3s);
  EXPECT_EQ(c.retry.initial_backoff, 100ms);
  EXPECT_EQ(c.retry.max_backoff, 1h);
  EXPECT_EQ(c.retry.config_error_backoff, 7 * 24h);
  ASSERT_EQ(c.sinks.size(), 2u);
  const auto& f = std::get<file_sink_config>(c.sinks[0].settings);
  EXPECT_EQ(f.compress, file_sink_config::compression::zstd);
  EXPECT_FALSE(f.fsync);
  const auto& es = std::get<elasticsearch_sink_config>(c.sinks[1].settings);
  EXPECT_EQ(es.urls, (std::vector<std::string>{"https://es1.example:9200", "https://es2.example"}));
  EXPECT_EQ(es.data_stream, "logs-scaleft.audit-default");
  EXPECT_TRUE(es.index.empty());
  EXPECT_EQ(es.api_key.value, "aWQ6a2V5");
  EXPECT_EQ(es.api_key.source, "env");
  EXPECT_EQ(es.compress, elasticsearch_sink_config::compression::none);
  EXPECT_EQ(es.max_batch_events, 100u);
  EXPECT_EQ(es.max_batch_bytes, 2u << 20);
  EXPECT_EQ(es.max_in_flight, 4);
  EXPECT_EQ(es.request_timeout, 10s);
  EXPECT_TRUE(es.template_install);
  EXPECT_EQ(c.log.min_level, log_config::level::debug);
  EXPECT_EQ(c.log.style, log_config::format::text);
}

// Without the key, gzip bodies stay at 512 KiB (the lower peak RSS measured); uncompressed ones keep 10 MiB; a
// value given is kept either way.
TEST(ConfigLoader, GzipSinkWithoutMaxBatchBytesSendsSmallerBodies) {
  auto bytes_of = [](const std::string& extra) -> std::size_t {
    auto r = load(es_sink("    url: https://es:9200\n    index: a\n" + extra));
    EXPECT_TRUE(r.config) << all_errors(r);
    if (!r.config) return 0;
    return std::get<elasticsearch_sink_config>(r.config->sinks[0].settings).max_batch_bytes;
  };
  EXPECT_EQ(bytes_of(""), elasticsearch_sink_config::gzip_max_batch_bytes);  // gzip is the default
  EXPECT_EQ(bytes_of(""), 512u * 1024);
  EXPECT_EQ(bytes_of("    compression: gzip\n"), 512u * 1024);
  EXPECT_EQ(bytes_of("    compression: none\n"), 10u << 20);
  EXPECT_EQ(bytes_of("    compression: gzip\n    max_batch_bytes: 10MiB\n"), 10u << 20);
  EXPECT_EQ(bytes_of("    max_batch_bytes: 64KiB\n    compression: none\n"), 64u * 1024);
}

// ---- one case per error class ----

TEST(ConfigErrors, UnknownKeySuggestsTheNearestName) {
  auto e = only_error(std::string(minimal) + "log:\n  levle: debug\n");
  EXPECT_EQ(e.line, 10);
  EXPECT_EQ(e.key_path, "log.levle");
  EXPECT_THAT(e.message, HasSubstr("unknown key"));
  EXPECT_THAT(e.message, HasSubstr("did you mean 'level'"));
  EXPECT_EQ(e.to_string(), "test.yaml:10: log.levle: " + e.message);
}

TEST(ConfigErrors, KeyOfTheOtherSinkTypeIsUnknown) {
  auto e = only_error(std::string(minimal) + "    index: nope\n");
  EXPECT_EQ(e.key_path, "sinks[0].index");
  EXPECT_EQ(e.line, 9);
  EXPECT_THAT(e.message, HasSubstr("file sink"));
}

TEST(ConfigErrors, WrongType) {
  auto e = only_error(std::string(minimal) + "retry: [1s, 2s]\n");
  EXPECT_EQ(e.key_path, "retry");
  EXPECT_EQ(e.line, 9);
  EXPECT_THAT(e.message, HasSubstr("expected a map"));
  e = only_error(std::string(minimal) + "state_dir: {a: b}\n");
  EXPECT_EQ(e.key_path, "state_dir");
  EXPECT_THAT(e.message, HasSubstr("got a map"));
  e = only_error(std::string(minimal) + "    fsync: yes please\n");
  EXPECT_EQ(e.key_path, "sinks[0].fsync");
  EXPECT_THAT(e.message, HasSubstr("true or false"));
}

TEST(ConfigErrors, NotAnInteger) {
  auto e = only_error(R"(source:
  team: acme
  key_id: k
  key_secret: s
  page_size: lots
sinks: [{name: a, type: file, path: /x}]
)");
  EXPECT_EQ(e.line, 5);
  EXPECT_EQ(e.key_path, "source.page_size");
  EXPECT_THAT(e.message, HasSubstr("expected an integer"));
}

TEST(ConfigErrors, OutOfRange) {
  auto e = only_error(R"(source:
  team: acme
  key_id: k
  key_secret: s
  page_size: 1001
sinks: [{name: a, type: file, path: /x}]
)");
  EXPECT_EQ(e.line, 5);
  EXPECT_EQ(e.key_path, "source.page_size");
  EXPECT_THAT(e.message, HasSubstr("between 1 and 1000"));
  e = only_error(es_sink("    url: https://es:9200\n    index: a\n    max_batch_bytes: 200MiB\n"));
  EXPECT_EQ(e.key_path, "sinks[0].max_batch_bytes");
  EXPECT_THAT(e.message, HasSubstr("100MiB"));
  e = only_error(std::string(minimal) + "retry: {initial_backoff: 2m, max_backoff: 1m}\n");
  EXPECT_EQ(e.key_path, "retry.max_backoff");
  EXPECT_THAT(e.message, HasSubstr("must not exceed"));
}

TEST(ConfigErrors, MissingRequiredKey) {
  auto e = only_error(R"(source:
  key_id: k
  key_secret: s
sinks: [{name: a, type: file, path: /x}]
)");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.key_path, "source.team");
  EXPECT_THAT(e.message, HasSubstr("required"));
  e = only_error("sinks: [{name: a, type: file, path: /x}]\n");
  EXPECT_EQ(e.key_path, "source");
  e = only_error(R"(source: {team: acme, key_id: k, key_secret: s}
sinks:
  - name: a
    type: file
)");
  EXPECT_EQ(e.key_path, "sinks[0].path");
  EXPECT_EQ(e.line, 3);
}

TEST(ConfigErrors, UnsetEnvironmentVariable) {
  auto e = only_error(R"(source:
  team: acme
  key_id: ${SFT_KEY_ID}
  key_secret: s
sinks: [{name: a, type: file, path: /x}]
)");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.key_path, "source.key_id");
  EXPECT_THAT(e.message, HasSubstr("SFT_KEY_ID is not set"));
}

TEST(ConfigErrors, BadDuration) {
  auto e = only_error(std::string(minimal) + "shutdown_grace: 30\n");
  EXPECT_EQ(e.key_path, "shutdown_grace");
  EXPECT_EQ(e.line, 9);
  EXPECT_THAT(e.message, HasSubstr("no unit"));
  EXPECT_THAT(e.message, HasSubstr("30s"));
  e = only_error(std::string(minimal) + "shutdown_grace: 3 seconds\n");
  EXPECT_THAT(e.message, HasSubstr("not a duration"));
}

TEST(ConfigErrors, BadSize) {
  auto e = only_error(es_sink("    url: https://es:9200\n    index: a\n    max_batch_bytes: 10MB\n"));
  EXPECT_EQ(e.key_path, "sinks[0].max_batch_bytes");
  EXPECT_EQ(e.line, 10);
  EXPECT_THAT(e.message, HasSubstr("not a size"));
}

TEST(ConfigErrors, BothInlineAndFileSecret) {
  temp_dir dir;
  const auto p = dir.write("s", "file-secret-value\n");
  auto e = only_error(R"(source:
  team: acme
  key_id: k
  key_secret: inline-secret-value
  key_secret_file: )" +
                      p + R"(
sinks: [{name: a, type: file, path: /x}]
)");
  EXPECT_EQ(e.line, 5);
  EXPECT_EQ(e.key_path, "source.key_secret_file");
  EXPECT_THAT(e.message, HasSubstr("not both"));
  EXPECT_THAT(e.to_string(), Not(HasSubstr("inline-secret-value")));
  EXPECT_THAT(e.to_string(), Not(HasSubstr("file-secret-value")));
}

TEST(ConfigErrors, UnreadableSecretFile) {
  temp_dir dir;
  auto e = only_error(R"(source:
  team: acme
  key_id: k
  key_secret_file: )" +
                      dir.path().string() + R"(/missing
sinks: [{name: a, type: file, path: /x}]
)");
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.key_path, "source.key_secret_file");
  EXPECT_THAT(e.message, HasSubstr("cannot read"));
  EXPECT_THAT(e.message, HasSubstr("No such file"));
  e = only_error("source: {team: acme, key_id: k, key_secret_file: " + dir.path().string() +
                 "}\nsinks: [{name: a, type: file, path: /x}]\n");
  EXPECT_THAT(e.message, HasSubstr("Is a directory"));
  const auto empty = dir.write("empty", "\n\n");
  e = only_error(es_sink("    url: https://es:9200\n    index: a\n    api_key_file: " + empty + "\n"));
  EXPECT_EQ(e.key_path, "sinks[0].api_key_file");
  EXPECT_THAT(e.message, HasSubstr("empty"));
}

TEST(ConfigErrors, PlainHttpToNonLoopbackHost) {
  auto e = only_error(R"(source:
  url: http://app.scaleft.com
  team: acme
  key_id: k
  key_secret: s
sinks: [{name: a, type: file, path: /x}]
)");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.key_path, "source.url");
  EXPECT_THAT(e.message, HasSubstr("not loopback"));
  e = only_error(es_sink("    urls: [https://a:9200, http://10.0.0.5:9200]\n    index: a\n"));
  EXPECT_EQ(e.key_path, "sinks[0].urls[1]");
  EXPECT_THAT(e.message, HasSubstr("not loopback"));
}

TEST(ConfigErrors, UrlProblemsNameTheValueAndGiveAdvice) {
  auto source_url = [](const std::string& url) {
    return only_error("source:\n  url: " + url +
                      "\n  team: acme\n  key_id: k\n  key_secret: s\nsinks: [{name: a, type: file, path: /x}]\n");
  };
  EXPECT_EQ(source_url("ftp://app.scaleft.com").message,
            "'ftp://app.scaleft.com' has scheme 'ftp': use https:// (or http:// for a loopback host)");
  EXPECT_EQ(source_url("https://me@app.scaleft.com").message,
            "'https://me@app.scaleft.com' must not carry credentials (user@host): use the auth keys, which are "
            "kept secret");
  EXPECT_EQ(source_url("https://app.scaleft.com/v1?x=1").message,
            "'https://app.scaleft.com/v1?x=1' must not have a query or a fragment");
  EXPECT_EQ(source_url("https://app.scaleft.com:0").message,
            "'https://app.scaleft.com:0' has an invalid port '0': use 1..65535");
  EXPECT_EQ(source_url("app.scaleft.com").message,
            "'app.scaleft.com' is not a URL: expected https://host[:port][/path]");
}

TEST(ConfigValues, UrlsAreStoredInCanonicalForm) {
  auto r = load("source:\n  url: HTTPS://App.ScaleFT.com:443/base//\n  team: a\n  key_id: k\n  key_secret: s\n"
                "sinks: [{name: a, type: file, path: /x}]\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->source.url, "https://app.scaleft.com/base");
}

TEST(ConfigErrors, LoopbackHostsMayUsePlainHttp) {
  for (const char* url : {"http://127.0.0.1:1", "http://127.9.8.7", "http://[::1]:8080",
                          "http://localhost:9/x", "HTTP://LOCALHOST"}) {
    auto r = load(std::string("source:\n  url: ") + url +
                  "\n  team: a\n  key_id: k\n  key_secret: s\nsinks: [{name: a, type: file, path: /x}]\n");
    EXPECT_TRUE(r.config) << url << "\n" << all_errors(r);
  }
  for (const char* host : {"128.0.0.1", "localhost.example", "::2", "127.0.0", "example.com"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(ConfigErrors, MalformedUrls) {
  for (const char* url : {"app.scaleft.com", "ftp://x", "https://", "https://h:0", "https://h:99999",
                          "https://user:pw@h", "https://h/?q=1", "https://[::1"}) {
    auto r = load(std::string("source:\n  url: \"") + url +
                  "\"\n  team: a\n  key_id: k\n  key_secret: s\nsinks: [{name: a, type: file, path: /x}]\n");
    ASSERT_EQ(r.errors.size(), 1u) << url;
    EXPECT_EQ(r.errors[0].key_path, "source.url") << url;
  }
}

TEST(ConfigErrors, DuplicateSinkNames) {
  auto e = only_error(R"(source: {team: acme, key_id: k, key_secret: s}
sinks:
  - name: out
    type: file
    path: /a
  - name: out
    type: file
    path: /b
)");
  EXPECT_EQ(e.line, 6);
  EXPECT_EQ(e.key_path, "sinks[1].name");
  EXPECT_THAT(e.message, HasSubstr("first used on line 3"));
}

TEST(ConfigErrors, BadSinkName) {
  auto e = only_error(R"(source: {team: acme, key_id: k, key_secret: s}
sinks: [{name: My Sink, type: file, path: /a}]
)");
  EXPECT_EQ(e.key_path, "sinks[0].name");
}

TEST(ConfigErrors, NoSinks) {
  auto e = only_error("source: {team: acme, key_id: k, key_secret: s}\nsinks: []\n");
  EXPECT_EQ(e.key_path, "sinks");
  EXPECT_EQ(e.line, 2);
  EXPECT_THAT(e.message, HasSubstr("at least one sink"));
  e = only_error("source: {team: acme, key_id: k, key_secret: s}\n");
  EXPECT_EQ(e.key_path, "sinks");
}

TEST(ConfigErrors, TwoAuthModes) {
  auto e = only_error(es_sink(
      "    url: https://es:9200\n    index: a\n    api_key: key-value\n    bearer_token: token-value\n"));
  EXPECT_EQ(e.line, 11);
  EXPECT_EQ(e.key_path, "sinks[0].bearer_token");
  EXPECT_THAT(e.message, HasSubstr("only one way to authenticate"));
  EXPECT_THAT(e.to_string(), Not(HasSubstr("key-value")));
  EXPECT_THAT(e.to_string(), Not(HasSubstr("token-value")));
  e = only_error(es_sink("    url: https://es:9200\n    index: a\n    username: u\n"));
  EXPECT_EQ(e.key_path, "sinks[0].password");
}

TEST(ConfigErrors, IndexAndDataStreamBoth) {
  auto e = only_error(es_sink("    url: https://es:9200\n    index: a\n    data_stream: logs-a-b\n"));
  EXPECT_EQ(e.line, 10);
  EXPECT_EQ(e.key_path, "sinks[0].data_stream");
  EXPECT_THAT(e.message, HasSubstr("not both"));
  e = only_error(es_sink("    url: https://es:9200\n"));
  EXPECT_EQ(e.key_path, "sinks[0].index");
  e = only_error(es_sink("    url: https://es:9200\n    data_stream: audit\n"));
  EXPECT_THAT(e.message, HasSubstr("<type>-<dataset>-<namespace>"));
  e = only_error(es_sink("    url: https://es:9200\n    index: Audit\n"));
  EXPECT_THAT(e.message, HasSubstr("lowercase"));
}

TEST(ConfigErrors, EndpointsExactlyOne) {
  auto e = only_error(es_sink("    index: a\n"));
  EXPECT_EQ(e.key_path, "sinks[0].url");
  e = only_error(es_sink("    url: https://a\n    urls: [https://b]\n    index: a\n"));
  EXPECT_EQ(e.key_path, "sinks[0].urls");
}

TEST(ConfigErrors, InvalidYamlAndUnreadableFileGiveOneError) {
  auto r = load("source: {team: acme\nsinks: [\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("invalid YAML"));
  EXPECT_GT(r.errors[0].line, 0);
  r = load_config_file("/nonexistent/forwarder.yaml", env_of({}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(),
            "/nonexistent/forwarder.yaml: cannot read the configuration file: No such file or directory");
}

TEST(ConfigErrors, DuplicateYamlKey) {
  auto e = only_error(std::string(minimal) + "log: {level: info, level: debug}\n");
  EXPECT_EQ(e.key_path, "log.level");
  EXPECT_THAT(e.message, HasSubstr("duplicate key"));
}

TEST(ConfigErrors, ManyErrorsReportedAtOnceSortedByLine) {
  const std::string yaml = R"(source:
  url: http://scaleft.example
  team: acme
  key_id: ${NOPE}
  key_secret: s
  page_size: 0
  poll_interval: 30
  bogus: 1
shutdown_grace: forever
sinks:
  - name: a
    type: file
    path: /x
    compression: gzip
  - name: a
    type: elasticsearch
    url: https://es:9200
    index: i
    data_stream: logs-a-b
log: {level: loud}
)";
  auto r = load(yaml);
  EXPECT_FALSE(r.config);
  std::vector<std::pair<int, std::string>> got;
  for (const auto& e : r.errors) got.emplace_back(e.line, e.key_path);
  const std::vector<std::pair<int, std::string>> want = {{2, "source.url"},
                                                         {4, "source.key_id"},
                                                         {6, "source.page_size"},
                                                         {7, "source.poll_interval"},
                                                         {8, "source.bogus"},
                                                         {9, "shutdown_grace"},
                                                         {14, "sinks[0].compression"},
                                                         {15, "sinks[1].name"},
                                                         {19, "sinks[1].data_stream"},
                                                         {20, "log.level"}};
  EXPECT_EQ(got, want) << all_errors(r);
}

// ---- values ----

TEST(ConfigValues, EnvExpansionWithDefaultsEverywhere) {
  const std::string yaml = R"(source:
  url: ${SFT_URL:-https://app.scaleft.com}
  team: ${TEAM}
  key_id: id-${KEY_SUFFIX:-none}
  key_secret: $${literal} and $5
  page_size: ${PAGE:-500}
state_dir: ${STATE}/sub
sinks:
  - name: ${SINK:-archive}
    type: file
    path: ${EMPTY:-/fallback}
)";
  auto r = load(yaml, {{"TEAM", "acme"}, {"STATE", "/srv"}, {"EMPTY", ""}, {"PAGE", "42"}});
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto& c = *r.config;
  EXPECT_EQ(c.source.url, "https://app.scaleft.com");
  EXPECT_EQ(c.source.team, "acme");
  EXPECT_EQ(c.source.key_id, "id-none");
  EXPECT_EQ(c.source.key_secret.value, "${literal} and $5");
  EXPECT_EQ(c.source.key_secret.source, "inline");
  EXPECT_EQ(c.source.page_size, 42);
  EXPECT_EQ(c.state_dir, "/srv/sub");
  EXPECT_EQ(c.sinks[0].name, "archive");
  EXPECT_EQ(std::get<file_sink_config>(c.sinks[0].settings).path, "/fallback");
}

TEST(ConfigValues, EnvVariableErrorsNameTheVariable) {
  auto r = load(std::string(minimal) + "state_dir: ${A}${B:-b}${C}${9BAD}${UNCLOSED\n");
  // Every problem in the value is reported, the unterminated reference last.
  ASSERT_EQ(r.errors.size(), 4u) << all_errors(r);
  EXPECT_THAT(r.errors[3].message, HasSubstr("unterminated"));
  r = load(std::string(minimal) + "state_dir: ${A}${B:-b}${C}${9BAD}\n");
  ASSERT_EQ(r.errors.size(), 3u) << all_errors(r);
  EXPECT_THAT(r.errors[0].message, HasSubstr("A is not set"));
  EXPECT_THAT(r.errors[1].message, HasSubstr("C is not set"));
  EXPECT_THAT(r.errors[2].message, HasSubstr("9BAD"));
}

TEST(ConfigValues, FileSecretsAreStrippedAndNeverRendered) {
  temp_dir dir;
  const auto sft = dir.write("sft", "TOPSECRET-sft\r\n\n");
  const auto es = dir.write("es", "TOPSECRET-es-password\n");
  const std::string yaml = R"(source:
  team: acme
  key_id: k
  key_secret_file: )" + sft +
                           R"(
sinks:
  - name: elk
    type: elasticsearch
    cloud_id: "prod:ZXUtd2VzdC0xLmF3cy5mb3VuZC5pbzo5MjQzJGFiYzEyMyRkZWY0NTY="
    index: scaleft-audit
    username: elastic
    password_file: )" + es +
                           R"(
  - name: tok
    type: elasticsearch
    url: https://es:9200
    index: scaleft-audit
    bearer_token: ${TOKEN}
)";
  auto r = load(yaml, {{"TOKEN", "TOPSECRET-bearer"}});
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->source.key_secret.value, "TOPSECRET-sft");
  const auto& elk = std::get<elasticsearch_sink_config>(r.config->sinks[0].settings);
  EXPECT_EQ(elk.password.value, "TOPSECRET-es-password");
  EXPECT_EQ(elk.username, "elastic");
  const std::string rendered = render_effective_config(*r.config);
  EXPECT_THAT(rendered, Not(HasSubstr("TOPSECRET")));
  EXPECT_THAT(rendered, HasSubstr("key_secret: <redacted>"));
  EXPECT_THAT(rendered, HasSubstr("password: <redacted>"));
  EXPECT_THAT(rendered, HasSubstr("bearer_token: <redacted>"));
}

TEST(ConfigValues, SecretValuesNeverAppearInErrors) {
  temp_dir dir;
  const auto p = dir.write("s", "TOPSECRET-file");
  // Errors in the same sink as the secrets, so a careless message would have them at hand.
  auto r =
      load(es_sink("    url: https://es:9200\n    index: a\n    api_key: ${KEY}\n    password_file: " + p +
                   "\n    max_in_flight: 0\n"),
           {{"KEY", "TOPSECRET-env"}});
  ASSERT_FALSE(r.errors.empty());
  EXPECT_THAT(all_errors(r), Not(HasSubstr("TOPSECRET")));
}

TEST(ConfigValues, CloudIdDecoding) {
  // base64("eu-west-1.aws.found.io:9243$abc123$def456")
  EXPECT_EQ(cloud_id_to_url("prod:ZXUtd2VzdC0xLmF3cy5mb3VuZC5pbzo5MjQzJGFiYzEyMyRkZWY0NTY="),
            "https://abc123.eu-west-1.aws.found.io:9243");
  // base64("us-central1.gcp.cloud.es.io$ceaf$kib"), no port, no padding, label with a colon
  EXPECT_EQ(cloud_id_to_url("my:deployment:dXMtY2VudHJhbDEuZ2NwLmNsb3VkLmVzLmlvJGNlYWYka2li"),
            "https://ceaf.us-central1.gcp.cloud.es.io:443");
  // base64("host.io$uuid:9400$kib"): the port on the uuid
  EXPECT_EQ(cloud_id_to_url("x:aG9zdC5pbyR1dWlkOjk0MDAka2li"), "https://uuid.host.io:9400");
  EXPECT_FALSE(cloud_id_to_url("x:!!!"));
  EXPECT_FALSE(cloud_id_to_url("x:aG9zdA=="));              // "host": no $uuid
  EXPECT_FALSE(cloud_id_to_url("x:aG9zdDo5OTk5OSR1dWlk"));  // "host:99999$uuid": bad port
  auto r = load(es_sink("    cloud_id: broken:???\n    index: a\n"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key_path, "sinks[0].cloud_id");
  r = load(
      es_sink("    cloud_id: prod:ZXUtd2VzdC0xLmF3cy5mb3VuZC5pbzo5MjQzJGFiYzEyMyRkZWY0NTY=\n    index: a\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(std::get<elasticsearch_sink_config>(r.config->sinks[0].settings).urls,
            std::vector<std::string>{"https://abc123.eu-west-1.aws.found.io:9243"});
}

TEST(ConfigValues, StartAtAcceptsKeywordsAndRfc3339Only) {
  auto with = [](const std::string& v) {
    return load("source: {team: a, key_id: k, key_secret: s, start_at: \"" + v +
                "\"}\nsinks: [{name: a, type: file, path: /x}]\n");
  };
  EXPECT_EQ(with("newest").config->source.start_at.what, start_position::kind::newest);
  EXPECT_EQ(with("2024-02-29T12:00:00.5Z").config->source.start_at.what, start_position::kind::at_time);
  auto r = with("2023-02-29T12:00:00Z");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key_path, "source.start_at");
  EXPECT_EQ(with("yesterday").errors.size(), 1u);
}

TEST(ConfigValues, RenderedConfigLoadsBackToTheSameValues) {
  const std::string yaml = es_sink(R"(    urls: [https://a:9200, https://b:9201]
    index: scaleft-audit
    api_key: k
    max_batch_bytes: 1536KiB
  - name: arch
    type: file
    path: /var/x
    compression: zstd
retry: {initial_backoff: 250ms}
log: {format: text}
)");
  auto first = load(yaml);
  ASSERT_TRUE(first.config) << all_errors(first);
  const std::string rendered = render_effective_config(*first.config);
  EXPECT_THAT(rendered, HasSubstr("max_batch_bytes: 1536KiB"));
  EXPECT_THAT(rendered, HasSubstr("poll_interval: 30s"));  // a default
  auto second = load_config_text(rendered, "rendered.yaml", env_of({}));
  ASSERT_TRUE(second.config) << all_errors(second) << rendered;
  EXPECT_EQ(render_effective_config(*second.config), rendered);
  const auto& es = std::get<elasticsearch_sink_config>(second.config->sinks[0].settings);
  EXPECT_EQ(es.urls.size(), 2u);
  EXPECT_EQ(es.max_batch_bytes, 1536u * 1024);
  EXPECT_EQ(second.config->retry.initial_backoff, 250ms);
  EXPECT_EQ(second.config->log.style, log_config::format::text);
}

TEST(ConfigValues, FileSinkRotationKeysLoadCheckAndRender) {
  auto r = load(std::string(minimal) + "    rotate_bytes: 64MiB\n    rotate_interval: 1h\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto& f = std::get<file_sink_config>(r.config->sinks[0].settings);
  EXPECT_EQ(f.rotate_bytes, 64u << 20);
  EXPECT_EQ(f.rotate_interval, 1h);
  const std::string rendered = render_effective_config(*r.config);
  EXPECT_THAT(rendered, HasSubstr("rotate_bytes: 64MiB"));
  EXPECT_THAT(rendered, HasSubstr("rotate_interval: 1h"));
  auto back = load_config_text(rendered, "rendered.yaml", env_of({}));
  ASSERT_TRUE(back.config) << all_errors(back) << rendered;
  EXPECT_EQ(std::get<file_sink_config>(back.config->sinks[0].settings).rotate_bytes, 64u << 20);

  // 0 means off and is accepted explicitly.
  r = load(std::string(minimal) + "    rotate_bytes: 0\n    rotate_interval: 0s\n");
  ASSERT_TRUE(r.config) << all_errors(r);

  auto e = only_error(std::string(minimal) + "    rotate_bytes: 100\n");
  EXPECT_EQ(e.key_path, "sinks[0].rotate_bytes");
  EXPECT_EQ(e.line, 9);
  EXPECT_THAT(e.message, HasSubstr("at least 1KiB"));
  e = only_error(std::string(minimal) + "    rotate_bytes: 10MB\n");
  EXPECT_THAT(e.message, HasSubstr("not a size"));
  e = only_error(std::string(minimal) + "    rotate_interval: 500ms\n");
  EXPECT_EQ(e.key_path, "sinks[0].rotate_interval");
  EXPECT_THAT(e.message, HasSubstr("at least 1s"));
  e = only_error(std::string(minimal) + "    rotate_interval: 3600\n");
  EXPECT_THAT(e.message, HasSubstr("no unit"));
  // An Elasticsearch sink has no rotation.
  e = only_error(es_sink("    url: https://es:9200\n    index: a\n    rotate_bytes: 1MiB\n"));
  EXPECT_EQ(e.key_path, "sinks[0].rotate_bytes");
}

TEST(ConfigValues, FileSinkPageCacheFollowsFsync) {
  using pc = file_sink_config::page_cache_policy;
  auto page_cache_of = [](const load_result& r) {
    return std::get<file_sink_config>(r.config->sinks[0].settings).page_cache;
  };
  auto r = load(std::string(minimal) + "    page_cache: keep\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(page_cache_of(r), pc::keep);
  EXPECT_THAT(render_effective_config(*r.config), HasSubstr("page_cache: keep"));
  r = load(std::string(minimal) + "    page_cache: drop\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(page_cache_of(r), pc::drop);
  // Without fsync nothing is on disk to drop: the default becomes keep, and the check-config output says so.
  r = load(std::string(minimal) + "    fsync: false\n");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(page_cache_of(r), pc::keep);
  EXPECT_THAT(render_effective_config(*r.config), HasSubstr("fsync: false\n    page_cache: keep\n"));
  r = load(std::string(minimal) + "    fsync: false\n    page_cache: keep\n");
  ASSERT_TRUE(r.config) << all_errors(r);

  auto e = only_error(std::string(minimal) + "    fsync: false\n    page_cache: drop\n");
  EXPECT_EQ(e.key_path, "sinks[0].page_cache");
  EXPECT_EQ(e.line, 10);
  EXPECT_THAT(e.message, HasSubstr("drop needs fsync: true"));
  e = only_error(std::string(minimal) + "    page_cache: never\n");
  EXPECT_EQ(e.key_path, "sinks[0].page_cache");
  EXPECT_THAT(e.message, HasSubstr("drop"));
  // An invalid value is reported once, as invalid: not also as a drop without fsync.
  e = only_error(std::string(minimal) + "    fsync: false\n    page_cache: never\n");
  EXPECT_EQ(e.key_path, "sinks[0].page_cache");
  EXPECT_THAT(e.message, Not(HasSubstr("needs fsync")));
  e = only_error(es_sink("    url: https://es:9200\n    index: a\n    page_cache: keep\n"));
  EXPECT_EQ(e.key_path, "sinks[0].page_cache");
}

TEST(ConfigValues, LoadsFromFile) {
  temp_dir dir;
  const auto p = dir.write("forwarder.yaml", minimal);
  auto r = load_config_file(p, env_of({}));
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto bad = dir.write("bad.yaml", std::string(minimal) + "nope: 1\n");
  r = load_config_file(bad, env_of({}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), bad + ":9: nope: unknown key in the top level");
}

TEST(ConfigValues, ProcessEnvironmentReadsRealVariables) {
  ::setenv("SF_CONFIG_TEST_VAR", "from-process", 1);
  auto env = process_environment();
  EXPECT_EQ(env("SF_CONFIG_TEST_VAR"), "from-process");
  ::unsetenv("SF_CONFIG_TEST_VAR");
  EXPECT_FALSE(env("SF_CONFIG_TEST_VAR"));
}

TEST(ConfigValues, ShippedExampleLoadsAndRendersWithoutSecrets) {
  temp_dir dir;
  dir.write("sft-key-secret", "EXAMPLE-sft-secret\n");
  dir.write("es-api-key", "EXAMPLE-es-key\n");
  auto r = load_config_file(std::string(SF_SOURCE_DIR) + "/config/forwarder.example.yaml",
                            env_of({{"SFT_KEY_ID", "6052868b"}, {"CREDENTIALS_DIRECTORY", dir.path().string()}}));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->source.key_secret.value, "EXAMPLE-sft-secret");
  const auto& es = std::get<elasticsearch_sink_config>(r.config->sinks[1].settings);
  EXPECT_EQ(es.api_key.value, "EXAMPLE-es-key");
  EXPECT_EQ(es.urls, std::vector<std::string>{"https://es.example:9200"});
  EXPECT_THAT(render_effective_config(*r.config), Not(HasSubstr("EXAMPLE-")));
}

}  // namespace
}  // namespace sf::config
