// The configuration as one table of keys: name, kind, bounds, help, field; defaults are config.hpp's.
#include "config/keys.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/http/proxy_choice.hpp"
#include "config/key_reader.hpp"
#include "common/http/tls_context.hpp"
#include "common/units/units.hpp"
#include "config/validators.hpp"

namespace sf::config::schema {
namespace {

using namespace std::chrono_literals;

constexpr long long ms(duration d) {
  return d.count();
}
constexpr long long day_ms = ms(24h);

template <class S>
const S& as(const void* section) {
  return *static_cast<const S*>(section);
}
template <class S>
S& as(void* section) {
  return *static_cast<S*>(section);
}

template <class E>
constexpr choice opt(std::string_view name, E e) {
  return {name, static_cast<long long>(e)};
}

// ---- checks of one value ----

std::string listen_check(const void*, const value& v) {
  return listen_address_problem(std::get<std::string>(v));
}
std::string index_check(const void*, const value& v) {
  return index_problem(std::get<std::string>(v));
}
std::string data_stream_check(const void*, const value& v) {
  return data_stream_problem(std::get<std::string>(v));
}
std::string sink_name_check(const void*, const value& v) {
  return sink_name_problem(std::get<std::string>(v));
}

// The directory may not exist yet (nothing rotated so far): only its form is checked here.
std::string absolute_path_check(const void*, const value& v) {
  const auto& p = std::get<std::string>(v);
  return !p.empty() && p[0] != '/' ? "must be an absolute path" : "";
}

// Below 1KiB every batch would get its own file: surely a missing unit, not a wish.
std::string rotate_bytes_check(const void*, const value& v) {
  const auto bytes = static_cast<std::uint64_t>(std::get<long long>(v));
  if (bytes != 0 && bytes < 1024)
    return fmt::format("must be 0 (off) or at least 1KiB, got {}", units::format_size(bytes));
  return {};
}

std::string rotate_interval_check(const void*, const value& v) {
  const auto d = std::get<duration>(v);
  if (d != duration(0) && d < 1s)
    return fmt::format("must be 0 (off) or at least 1s, got {}", units::format_duration(d));
  return {};
}

std::string retention_check(const void* section, const value& v) {
  const auto d = std::get<duration>(v);
  const auto& es = as<elasticsearch_sink_config>(section);
  if (d.count() != 0 && d < 24h) return "must be 0 (keep forever) or at least 1d";
  // A lifecycle deletes whole indices: on one fixed index that would delete everything at once.
  if (d.count() != 0 && !es.index.empty() && es.index.find("%{") == std::string::npos)
    return "needs a data_stream or an event-time index (index: name-%{+yyyy.MM.dd}); a fixed index would be "
           "deleted whole";
  return {};
}

std::string fingerprint_check(const void*, const value& v) {
  const auto& text = std::get<std::string>(v);
  std::string problem;
  if (!text.empty() && !http::parse_sha256_fingerprint(text, &problem)) return problem;
  return {};
}

std::string proxy_url_check(const void*, const value& v) {
  return proxy_url_problem(std::get<std::string>(v));
}

// The password goes with the user of the proxy URL: given with a URL that names none, it would never be sent.
template <class S>
std::string proxy_password_check(const void* section, const value&) {
  const std::string& url = as<S>(section).proxy_url;
  if (url.empty()) return {};  // the environment's proxy URL may name the user
  if (url == "none") return "has no use with proxy_url: none";
  const auto parsed = http::parse_proxy_url(url);
  if (parsed.endpoint && parsed.endpoint->user.empty())
    return "needs the user in proxy_url (http://user@host:port)";
  return {};
}

// ---- rules across keys ----

void backoff_order_rule(rule_context& c) {
  const auto& r = as<retry_config>(c.section);
  if (r.initial_backoff <= r.max_backoff) return;
  const char* blamed = c.map.given("max_backoff") ? "max_backoff" : "initial_backoff";
  c.walker.error(c.map.line_of_key(blamed), c.map.child(blamed),
                 fmt::format("initial_backoff ({}) must not exceed max_backoff ({})",
                             units::format_duration(r.initial_backoff), units::format_duration(r.max_backoff)));
}

// Which auth modes the sink names (by key presence, so a bad value still counts as a choice): one at most,
// and a username goes with a password.
void one_auth_mode_rule(rule_context& c) {
  const map_view& m = c.map;
  auto first_line = [&](std::initializer_list<std::string_view> keys) {
    int best = 0;
    for (auto k : keys)
      if (const entry* e = m.given(k); e && (best == 0 || e->key_line < best)) best = e->key_line;
    return best;
  };
  struct mode {
    std::string_view name;
    int line;
  };
  std::vector<mode> modes;
  if (int l = first_line({"api_key", "api_key_file"})) modes.push_back({"api_key", l});
  if (int l = first_line({"username", "password", "password_file"}))
    modes.push_back({"username/password", l});
  if (int l = first_line({"bearer_token", "bearer_token_file"})) modes.push_back({"bearer_token", l});
  if (modes.size() > 1) {
    std::sort(modes.begin(), modes.end(), [](const mode& a, const mode& b) { return a.line < b.line; });
    const auto key =
        modes.back().name == "username/password" ? std::string("username") : std::string(modes.back().name);
    c.walker.error(
        modes.back().line, m.child(key),
        fmt::format("give only one way to authenticate: {} is already used (api_key, username + password or "
                    "bearer_token)",
                    modes.front().name));
    return;
  }
  const bool has_user = m.given("username") != nullptr;
  const bool has_password = m.given("password") || m.given("password_file");
  if (has_user && !has_password)
    c.walker.error(m.line, m.child("password"), "required with username (give password or password_file)");
  if (!has_user && has_password) c.walker.error(m.line, m.child("username"), "required with password");
}

// A client certificate goes with its key; both are loaded now, so that a missing file, a key that is not the
// certificate's or one behind a passphrase shows at check-config and not at the first connection.
void client_identity_rule(rule_context& c) {
  const auto& es = as<elasticsearch_sink_config>(c.section);
  const map_view& m = c.map;
  const bool has_certificate = m.given("client_certificate") != nullptr;
  const char* key_key = m.given("client_key_file") ? "client_key_file" : "client_key";
  const bool has_key = m.given(key_key) != nullptr;
  if (has_certificate && !has_key)
    c.walker.error(m.line, m.child("client_key"),
                   "required with client_certificate (give client_key or client_key_file)");
  if (has_key && !has_certificate)
    c.walker.error(m.line, m.child("client_certificate"), fmt::format("required with {}", key_key));
  // Either value may have been refused already (then it is empty): that error is enough.
  if (es.client_certificate.empty() || es.client_key.empty()) return;
  const auto problem =
      http::check_client_identity({es.client_certificate, es.client_key.value, es.client_key.source});
  if (!problem) return;
  const char* blamed = problem.at == http::identity_problem::part::key ? key_key : "client_certificate";
  c.walker.error(m.line_of_key(blamed), m.child(blamed), problem.message);
}

// Plain http:// to a host that is not loopback only with allow_insecure_http: true (in-cluster services).
void insecure_http_rule(rule_context& c) {
  const auto& es = as<elasticsearch_sink_config>(c.section);
  if (es.allow_insecure_http) return;
  const entry* list = c.map.given("urls");
  const char* key = list ? "urls" : "url";
  // The urls are the list's items in order when every item loaded; then the item itself is blamed.
  const bool by_item = list && list->value.IsSequence() && list->value.size() == es.urls.size();
  for (std::size_t i = 0; i < es.urls.size(); ++i) {
    if (!remote_plain_http(es.urls[i])) continue;
    int line = c.map.line_of_key(key);
    std::string path = c.map.child(key);
    if (by_item) {
      line = line_of(list->value[i], line);
      path += fmt::format("[{}]", i);
    }
    c.walker.error(line, path,
                   fmt::format("'{}' {}", es.urls[i], remote_plain_http_problem("allow_insecure_http")));
  }
}

// Without max_batch_bytes, a gzip sink sends bodies of at most 512 KiB. Bodies are compressed from the batch
// as a stream, so only the compressed copy is held. Over a 1,000,000-event catch-up (2 runs each, since the
// documents' blocks are kept apart from the heap) peak RSS was 19.7-19.9 MiB with 512 KiB against 20.7-20.8
// with 10 MiB (one body per page), and events/s 75-83 k against 61-76 k (es-sim inflates one request while
// the next is compressed), for 2-3 % more CPU per event (3.01 and 3.71 against 2.96 and 3.61 us).
// Uncompressed bodies stay at 10 MiB: their size costs no memory.
void gzip_batch_bytes_rule(rule_context& c) {
  auto& es = as<elasticsearch_sink_config>(c.section);
  if (es.compress == elasticsearch_sink_config::compression::gzip && !c.map.given("max_batch_bytes"))
    es.max_batch_bytes = elasticsearch_sink_config::gzip_max_batch_bytes;
}

// Pages are dropped from the page cache only once fdatasync has put them on disk: without fsync the
// default is keep, and an explicit drop is refused rather than left without effect.
void page_cache_rule(rule_context& c) {
  auto& f = as<file_sink_config>(c.section);
  if (f.fsync) return;
  const entry* given = c.map.given("page_cache");
  if (given == nullptr) {
    f.page_cache = file_sink_config::page_cache_policy::keep;
  } else if (given->value.IsScalar() && given->value.Scalar() == "drop") {  // an invalid value is reported
    c.walker.error(c.map.line_of_key("page_cache"), c.map.child("page_cache"),
                   "drop needs fsync: true (only pages already on disk are dropped); use keep or turn fsync "
                   "on");
  }
}

// Rotation manages the keys of one named service user: without the name it cannot list or create them.
void rotation_needs_user_rule(rule_context& c) {
  const auto& cfg = as<forwarder_config>(c.section);
  if (cfg.key_rotation.enabled && cfg.source.service_user.empty() && c.map.find("source"))
    c.walker.error(c.map.line_of_key("source"), "source.service_user",
                   "required when key_rotation.enabled is true");
}

// A caught-up source only polls every poll_interval: a shorter window would report it stalled while idle.
// Compared on the effective values, defaults included; blamed on whichever of the two was written.
void ready_window_rule(rule_context& c) {
  const auto& cfg = as<forwarder_config>(c.section);
  const int window_line = c.lines.line("http.ready_window");
  const int poll_line = c.lines.line("source.poll_interval");
  if (window_line < 0 || poll_line < 0) return;  // already reported as invalid
  if (cfg.http.ready_window > cfg.source.poll_interval) return;
  if (window_line > 0) {
    c.walker.error(
        window_line, "http.ready_window",
        fmt::format("must be longer than source.poll_interval ({}{})",
                    units::format_duration(cfg.source.poll_interval), poll_line > 0 ? "" : ", the default"));
  } else {
    c.walker.error(
        poll_line, "source.poll_interval",
        fmt::format("must be shorter than http.ready_window ({}, the default): raise http.ready_window too",
                    units::format_duration(cfg.http.ready_window)));
  }
}

// ---- the sections ----

const section_spec& source_section() {
  using s = source_config;
  using lp = source_config::lost_offset_policy;
  static const section_spec spec{
      .what = "source",
      .keys = {
          {.name = "url",
           .type = kind::url,
           .help = "ScaleFT API base; `http://` only for loopback",
           .bound = bind<&s::url>()},
          {.name = "team",
           .type = kind::string,
           .need = presence::required,
           .help = "team name",
           .bound = bind<&s::team>()},
          {.name = "service_user",
           .type = kind::string,
           .help = "the service user; required when `key_rotation.enabled`",
           .bound = bind<&s::service_user>()},
          {.name = "key_id",
           .type = kind::string,
           .need = presence::required,
           .help = "the (bootstrap) API key id",
           .bound = bind<&s::key_id>()},
          {.name = "key_secret",
           .type = kind::secret,
           .need = presence::required,
           .help = "its secret",
           .bound = bind<&s::key_secret>()},
          {.name = "page_size",
           .type = kind::integer,
           .lo = 1,
           .hi = 1000,
           .help = "events per `auditsV2` page",
           .bound = bind<&s::page_size>()},
          {.name = "poll_interval",
           .type = kind::duration,
           .lo = ms(10ms),
           .hi = day_ms,
           .help = "wait after an empty page (caught up)",
           .bound = bind<&s::poll_interval>()},
          {.name = "request_timeout",
           .type = kind::duration,
           .lo = ms(10ms),
           .hi = ms(1h),
           .help = "deadline of one API request",
           .bound = bind<&s::request_timeout>()},
          {.name = "start_at",
           .type = kind::start_position,
           .help = "where a first start (no checkpoint) begins",
           .bound = bind<&s::start_at>()},
          {.name = "ca_file",
           .type = kind::string,
           .help = "CA bundle for the API",
           .shape = "path",
           .default_note = "the system store",
           .bound = bind<&s::ca_file>()},
          {.name = "proxy_url",
           .type = kind::string,
           .help =
               "an HTTP proxy for the API (`CONNECT` tunnel, TLS end to end); `none` for none (see *Proxies*)",
           .shape = "`http://[user@]host[:port]` or `none`",
           .default_note = "`HTTPS_PROXY` unless `NO_PROXY` lists the host",
           .bound = bind<&s::proxy_url>(),
           .check = proxy_url_check,
           .shown = [](const void* sec) { return !as<s>(sec).proxy_url.empty(); }},
          {.name = "proxy_password",
           .type = kind::secret,
           .help = "the password of the user named in the proxy URL",
           .bound = bind<&s::proxy_password>(),
           .check = proxy_password_check<s>},
          {.name = "rate_limit_headroom",
           .type = kind::integer,
           .lo = 0,
           .hi = 100000,
           .help = "requests kept in reserve; below it, requests are spread until the reset",
           .bound = bind<&s::rate_limit_headroom>()},
          {.name = "on_lost_offset",
           .type = kind::choice,
           .choices = {opt("stop", lp::stop), opt("oldest", lp::oldest), opt("newest", lp::newest)},
           .help =
               "when the service refuses an offset it served before (retention): exit 1, or resume at its "
               "oldest or newest event",
           .bound = bind<&s::on_lost_offset>()},
      }};
  return spec;
}

const section_spec& buffer_section() {
  static const section_spec spec{
      .what = "buffer",
      .keys = {
          {.name = "max_events",
           .type = kind::integer,
           .lo = 1000,
           .hi = 10'000'000,
           .help = "events held between the source and the slowest sink; polling pauses at the limit",
           .bound = bind<&buffer_config::max_events>()},
          {.name = "max_bytes",
           .type = kind::size,
           .lo = 1ll << 20,
           .hi = 16ll << 30,
           .help = "bytes held between the source and the slowest sink; polling pauses at the limit",
           .bound = bind<&buffer_config::max_bytes>()},
      }};
  return spec;
}

const section_spec& retry_section() {
  using r = retry_config;
  static const section_spec spec{.what = "retry",
                                 .keys =
                                     {
                                         {.name = "initial_backoff",
                                          .type = kind::duration,
                                          .lo = 1,
                                          .hi = ms(1h),
                                          .help = "first wait of the jittered exponential backoff",
                                          .bound = bind<&r::initial_backoff>()},
                                         {.name = "max_backoff",
                                          .type = kind::duration,
                                          .lo = 1,
                                          .hi = 7 * day_ms,
                                          .help = "longest wait of the backoff; not below `initial_backoff`",
                                          .bound = bind<&r::max_backoff>()},
                                         {.name = "config_error_backoff",
                                          .type = kind::duration,
                                          .lo = 1,
                                          .hi = 7 * day_ms,
                                          .help = "retry interval after 400/403/404 (configuration problems)",
                                          .bound = bind<&r::config_error_backoff>()},
                                     },
                                 .rules = {{"", backoff_order_rule}}};
  return spec;
}

const section_spec& key_rotation_section() {
  using k = key_rotation_config;
  using em = key_rotation_config::expire_mode;
  static const section_spec spec{
      .what = "key_rotation",
      .keys = {
          {.name = "enabled",
           .type = kind::boolean,
           .help = "rotate the service user's API key (needs `access_admin`)",
           .bound = bind<&k::enabled>()},
          // Below an hour the service user's audit log fills with key events; above 90 days is no rotation.
          {.name = "max_age",
           .type = kind::duration,
           .lo = ms(1h),
           .hi = 90 * day_ms,
           .help = "rotate when the key is this old",
           .bound = bind<&k::max_age>()},
          {.name = "expire_previous",
           .type = kind::choice,
           .choices = {opt("after_verify", em::after_verify), opt("never", em::never)},
           .help = "delete the old key once the new one works, or let ScaleFT expire it (48 h)",
           .bound = bind<&k::expire_previous>()},
          {.name = "on_rotate",
           .type = kind::program,
           .help = "run with the new key as JSON on stdin before the previous key is deleted (see *Key "
                   "rotation*)",
           .bound = bind<&k::on_rotate>(),
           .shown = [](const void* s) { return !as<k>(s).on_rotate.empty(); }},
          // The previous key outlives a failed hook by 48 h at most: a hook must finish well within that.
          {.name = "on_rotate_timeout",
           .type = kind::duration,
           .lo = ms(1s),
           .hi = ms(1h),
           .help = "the program is killed after this; a failure keeps the previous key",
           .bound = bind<&k::on_rotate_timeout>()},
          {.name = "restore_from",
           .type = kind::string,
           .help = "directory with `key_id` and `key_secret` (the hook's copy), tried at start-up before "
                   "`source.key_id`",
           .shape = "absolute path",
           .bound = bind<&k::restore_from>(),
           .check = absolute_path_check},
      }};
  return spec;
}

const section_spec& http_section() {
  static const section_spec spec{
      .what = "http",
      .keys = {
          {.name = "listen",
           .type = kind::string,
           .help = "`/healthz`, `/readyz`, `/metrics`; host is an IP or `localhost`; `\"\"` turns it off",
           .shape = "`host:port` or `\"\"`",
           .bound = bind<&http_config::listen>(),
           .check = listen_check},
          {.name = "ready_window",
           .type = kind::duration,
           .lo = ms(1s),
           .hi = day_ms,
           .help = "`/readyz` fails when the source, or a sink with pages waiting, made no progress for this "
                   "long; "
                   "must be longer than `source.poll_interval`",
           .bound = bind<&http_config::ready_window>()},
      }};
  return spec;
}

const section_spec& log_section() {
  using lv = log_config::level;
  using fm = log_config::format;
  static const section_spec spec{.what = "log",
                                 .keys = {
                                     {.name = "level",
                                      .type = kind::choice,
                                      .choices = {opt("debug", lv::debug), opt("info", lv::info),
                                                  opt("warn", lv::warn), opt("error", lv::error)},
                                      .help = "the least severe level written",
                                      .bound = bind<&log_config::min_level>()},
                                     {.name = "format",
                                      .type = kind::choice,
                                      .choices = {opt("json", fm::json), opt("text", fm::text)},
                                      .help = "JSON lines for collectors, text for terminals",
                                      .bound = bind<&log_config::style>()},
                                 }};
  return spec;
}

const section_spec& file_sink_section() {
  using f = file_sink_config;
  using c = file_sink_config::compression;
  using pc = file_sink_config::page_cache_policy;
  static const section_spec spec{
      .what = "a file sink",
      .keys = {
          {.name = "path",
           .type = kind::string,
           .need = presence::required,
           .help = "the NDJSON output file",
           .shape = "path",
           .bound = bind<&f::path>()},
          {.name = "compression",
           .type = kind::choice,
           .choices = {opt("none", c::none), opt("zstd", c::zstd)},
           .help = "one zstd frame per batch",
           .bound = bind<&f::compress>()},
          {.name = "fsync",
           .type = kind::boolean,
           .help = "fsync before a batch counts as stored",
           .bound = bind<&f::fsync>()},
          {.name = "page_cache",
           .type = kind::choice,
           .choices = {opt("drop", pc::drop), opt("keep", pc::keep)},
           .help = "`drop`: a batch's pages leave the page cache once on disk; `keep`: for a reader "
                   "tailing the file on this machine",
           .default_note = "`keep` when fsync is false",
           .bound = bind<&f::page_cache>()},
          {.name = "rotate_bytes",
           .type = kind::size,
           .lo = 0,
           .hi = 1ll << 40,
           .help = "rename the file aside before a batch would take it past this size (0 or at least 1KiB)",
           .default_note = "off",
           .bound = bind<&f::rotate_bytes>(),
           .check = rotate_bytes_check},
          {.name = "rotate_interval",
           .type = kind::duration,
           .lo = 0,
           .hi = 366 * day_ms,
           .help = "rename the file aside at the first batch after this long (0 or at least 1s)",
           .default_note = "off",
           .bound = bind<&f::rotate_interval>(),
           .check = rotate_interval_check},
      },
      .rules = {{"page_cache", page_cache_rule}}};
  return spec;
}

const section_spec& elasticsearch_sink_section() {
  using e = elasticsearch_sink_config;
  using c = elasticsearch_sink_config::compression;
  auto add_url = [](void* s, value&& v) { as<e>(s).urls.push_back(std::get<std::string>(std::move(v))); };
  static const section_spec spec{
      .what = "an elasticsearch sink",
      .keys =
          {
              // url and cloud_id are ways to write urls: check-config shows the urls they give.
              {.name = "url",
               .type = kind::url,
               .help = "the cluster endpoint; `http://` only for loopback or with `allow_insecure_http`",
               .bound = {nullptr, add_url},
               .plain_http_by_rule = true},
              {.name = "urls",
               .type = kind::url_list,
               .help = "cluster endpoints, tried in order (failover)",
               .bound = bind<&e::urls>(),
               .plain_http_by_rule = true},
              {.name = "cloud_id",
               .type = kind::cloud_id,
               .help = "Elastic Cloud id, for the cluster's endpoint",
               .bound = {nullptr, add_url}},
              {.name = "index",
               .type = kind::string,
               .need = presence::non_empty,
               .help = "target index; documents are `create`d with the event id. May hold date fields "
                       "`%{+yyyy.MM.dd}` (`yyyy`/`YYYY`, `yy`, `MM`, `dd`, `HH`, `mm` and `. - _`) for an "
                       "event-time index, from each event's `@timestamp` in UTC (see Delivery guarantees)",
               .bound = bind<&e::index>(),
               .check = index_check,
               .shown = [](const void* s) { return as<e>(s).data_stream.empty(); }},
              {.name = "data_stream",
               .type = kind::string,
               .need = presence::non_empty,
               .help = "target data stream, `<type>-<dataset>-<namespace>`",
               .bound = bind<&e::data_stream>(),
               .check = data_stream_check,
               .shown = [](const void* s) { return !as<e>(s).data_stream.empty(); }},
              {.name = "api_key",
               .type = kind::secret,
               .help = "authentication: base64 `id:key`",
               .bound = bind<&e::api_key>()},
              {.name = "username",
               .type = kind::string,
               .help = "authentication: user, with `password`",
               .bound = bind<&e::username>(),
               .shown = [](const void* s) { return !as<e>(s).username.empty(); }},
              {.name = "password",
               .type = kind::secret,
               .help = "authentication: the user's password",
               .bound = bind<&e::password>()},
              {.name = "bearer_token",
               .type = kind::secret,
               .help = "authentication: a bearer token",
               .bound = bind<&e::bearer_token>()},
              {.name = "ca_file",
               .type = kind::string,
               .help = "CA bundle",
               .shape = "path",
               .default_note = "the system store",
               .bound = bind<&e::ca_file>()},
              {.name = "ca_trusted_fingerprint",
               .type = kind::string,
               .help = "SHA-256 of a CA certificate (hex, with or without `:`) trusted when the cluster presents "
                       "it in its chain, beside `ca_file` and the system store; host names are still checked "
                       "(see TLS to Elasticsearch)",
               .shape = "hex",
               .default_note = "none",
               .bound = bind<&e::ca_trusted_fingerprint>(),
               .check = fingerprint_check,
               .shown = [](const void* s) { return !as<e>(s).ca_trusted_fingerprint.empty(); }},
              {.name = "client_certificate",
               .type = kind::string,
               .help = "PEM client certificate (then any intermediates) for a cluster that requires one "
                       "(mutual TLS); with `client_key`",
               .shape = "path",
               .default_note = "none",
               .bound = bind<&e::client_certificate>(),
               .shown = [](const void* s) { return !as<e>(s).client_certificate.empty(); }},
              {.name = "client_key",
               .type = kind::secret,
               .help = "the client certificate's private key, PEM, without a passphrase",
               .bound = bind<&e::client_key>()},
              {.name = "allow_insecure_http",
               .type = kind::boolean,
               .help = "let `http://` reach a host that is not loopback (an in-cluster service on a trusted "
                       "network); warned about at start",
               .bound = bind<&e::allow_insecure_http>(),
               .shown = [](const void* s) { return as<e>(s).allow_insecure_http; }},
              {.name = "proxy_url",
               .type = kind::string,
               .help = "an HTTP proxy for the cluster: `CONNECT` tunnel for https, absolute-form requests for "
                       "http; `none` for none (see *Proxies*)",
               .shape = "`http://[user@]host[:port]` or `none`",
               .default_note = "`HTTPS_PROXY`/`HTTP_PROXY` unless `NO_PROXY` lists the host",
               .bound = bind<&e::proxy_url>(),
               .check = proxy_url_check,
               .shown = [](const void* sec) { return !as<e>(sec).proxy_url.empty(); }},
              {.name = "proxy_password",
               .type = kind::secret,
               .help = "the password of the user named in the proxy URL",
               .bound = bind<&e::proxy_password>(),
               .check = proxy_password_check<e>},
              {.name = "compression",
               .type = kind::choice,
               .choices = {opt("gzip", c::gzip), opt("none", c::none)},
               .help = "request body encoding",
               .bound = bind<&e::compress>()},
              {.name = "max_batch_events",
               .type = kind::integer,
               .lo = 1,
               .hi = 1'000'000,
               .help = "`_bulk` request bound: events",
               .bound = bind<&e::max_batch_events>()},
              // Elasticsearch refuses bodies over http.max_content_length (100mb) with a bare 413.
              {.name = "max_batch_bytes",
               .type = kind::size,
               .lo = 1,
               .hi = 100ll << 20,
               .help = "`_bulk` request bound: bytes",
               .default_note = "`512KiB` with `compression: gzip`",
               .bound = bind<&e::max_batch_bytes>()},
              {.name = "max_in_flight",
               .type = kind::integer,
               .lo = 1,
               .hi = 64,
               .help = "concurrent `_bulk` requests",
               .bound = bind<&e::max_in_flight>()},
              {.name = "request_timeout",
               .type = kind::duration,
               .lo = ms(10ms),
               .hi = ms(1h),
               .help = "deadline of one `_bulk` request",
               .bound = bind<&e::request_timeout>()},
              {.name = "template",
               .type = kind::boolean,
               .help = "run `setup` for this sink at start (see Index management); refusals are logged, "
                       "shipping goes on",
               .bound = bind<&e::template_install>()},
              {.name = "retention",
               .type = kind::duration,
               .lo = 0,
               .hi = 365 * 100 * day_ms,
               .help = "what setup writes into the lifecycle (ILM delete phase, or data stream lifecycle "
                       "`data_retention`): 0 or at least 1d; data streams and event-time indices only",
               .default_note = "keep forever",
               .bound = bind<&e::retention>(),
               .check = retention_check},
              {.name = "pipeline",
               .type = kind::string,
               .help = "an ingest pipeline named in every bulk request (`pipeline=`); \"\" uses the index's "
                       "default "
                       "pipeline (setup's, which sets `event.ingested`)",
               .bound = bind<&e::pipeline>()},
          },
      .groups = {{{"url", "urls", "cloud_id"}}, {{"index", "data_stream"}}},
      .rules = {{"bearer_token", one_auth_mode_rule},
                {"client_key", client_identity_rule},
                {"allow_insecure_http", insecure_http_rule},
                {"max_batch_bytes", gzip_batch_bytes_rule}}};
  return spec;
}

// The keys every sink has; `type` picks the sink's other keys (its value is the variant's index).
const section_spec& sink_section() {
  static const section_spec spec{
      .what = "a sink",
      .keys = {
          {.name = "name",
           .type = kind::string,
           .need = presence::required,
           .help = "unique; labels metrics and names the dead-letter file",
           .bound = bind<&sink_config::name>(),
           .check = sink_name_check},
          {.name = "type",
           .type = kind::choice,
           .need = presence::required,
           .choices = {{"file", 0}, {"elasticsearch", 1}},
           .help = "the kind of sink, which gives its other keys",
           .bound = {[](const void* s) -> value {
                       return static_cast<long long>(as<sink_config>(s).settings.index());
                     },
                     [](void* s, value&& v) {
                       auto& sink = as<sink_config>(s);
                       if (std::get<long long>(v) == 0) {
                         sink.settings.emplace<file_sink_config>();
                       } else {
                         sink.settings.emplace<elasticsearch_sink_config>();
                       }
                     }}},
      }};
  return spec;
}

const std::vector<sink_variant>& sink_variants() {
  static const std::vector<sink_variant> variants{
      {&file_sink_section(), settings_of<file_sink_config>},
      {&elasticsearch_sink_section(), settings_of<elasticsearch_sink_config>},
  };
  return variants;
}

}  // namespace

const section_spec& forwarder_schema() {
  using f = forwarder_config;
  static const section_spec spec{
      .what = "the top level",
      .keys =
          {
              {.name = "source",
               .type = kind::section,
               .need = presence::required,
               .sub = &source_section(),
               .locate = locate<&f::source>},
              {.name = "state_dir",
               .type = kind::string,
               .need = presence::non_empty,
               .help = "checkpoint, rotated key, dead letters (0700)",
               .shape = "path",
               .bound = bind<&f::state_dir>()},
              {.name = "checkpoint_interval",
               .type = kind::duration,
               .lo = 0,
               .hi = ms(1h),
               .help = "how often the checkpoint is written while pages are delivered (0: after every page); "
                       "a crash sends that much again",
               .bound = bind<&f::checkpoint_interval>()},
              {.name = "shutdown_grace",
               .type = kind::duration,
               .lo = 0,
               .hi = ms(1h),
               .help = "time to finish the batch in flight on SIGTERM",
               .bound = bind<&f::shutdown_grace>()},
              {.name = "buffer",
               .type = kind::section,
               .sub = &buffer_section(),
               .locate = locate<&f::buffer>},
              {.name = "retry", .type = kind::section, .sub = &retry_section(), .locate = locate<&f::retry>},
              {.name = "key_rotation",
               .type = kind::section,
               .sub = &key_rotation_section(),
               .locate = locate<&f::key_rotation>},
              {.name = "sinks",
               .type = kind::sink_list,
               .need = presence::required,
               .sub = &sink_section(),
               .locate = locate<&f::sinks>,
               .sinks = &sink_variants()},
              {.name = "http", .type = kind::section, .sub = &http_section(), .locate = locate<&f::http>},
              {.name = "log", .type = kind::section, .sub = &log_section(), .locate = locate<&f::log>},
          },
      .rules = {{"key_rotation", rotation_needs_user_rule}, {"http", ready_window_rule}}};
  return spec;
}

}  // namespace sf::config::schema
