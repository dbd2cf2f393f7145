// One Elasticsearch URL's checks: connect (traced), authenticate with GET /, read the version, ask
// _has_privileges for what the sink (and `setup`, when template: true) needs. Nothing is written.
#include "daemon/connection_test/probes.hpp"

#include "common/http/client.hpp"
#include "daemon/connection_test/es_privileges.hpp"
#include "daemon/connection_test/transport_checks.hpp"
#include "sinks/elasticsearch/bulk.hpp"
#include "sinks/elasticsearch/client_settings.hpp"
#include "sinks/elasticsearch/setup_plan.hpp"

#include <boost/asio/this_coro.hpp>

#include <memory>

namespace sf::connection_test {
namespace {

namespace bhttp = boost::beast::http;
namespace es = sinks::elasticsearch;

const std::vector<std::string> es_steps = {"dns", "tcp", "proxy", "tls", "auth", "version", "privileges"};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string credentials_hint(const std::string& sink, const config::elasticsearch_sink_config& cfg) {
  const std::string key = "sinks[" + sink + "].";
  if (!cfg.api_key.empty()) return "check " + key + "api_key: the `encoded` value Elasticsearch gave (base64 of id:key)";
  if (!cfg.username.empty()) return "check " + key + "username and " + key + "password";
  if (!cfg.bearer_token.empty()) return "check " + key + "bearer_token";
  return "the cluster needs credentials: set " + key + "api_key (or username and password)";
}

}  // namespace

boost::asio::awaitable<target_report> probe_elasticsearch(const std::string& sink_name,
                                                          const config::elasticsearch_sink_config& cfg,
                                                          const std::string& url, std::int64_t now_unix) {
  target_report t{sink_name, "elasticsearch", url, {}};
  auto origin = http::parse_url(url);
  if (!origin) {
    t.checks.push_back({"dns", check_status::failed, "not an http(s) URL: " + url, "check sinks[" + sink_name + "].url"});
    skip_rest(t, es_steps, "not reached");
    co_return t;
  }
  transport_context ctx;
  ctx.url_key = "sinks[" + sink_name + "].url";
  ctx.ca_key = "sinks[" + sink_name + "].ca_file";
  ctx.tls = origin->tls();
  ctx.now_unix = now_unix;
  auto steps = std::make_shared<std::vector<http::connection_step>>();
  // The sink's own settings (CA, pinned fingerprint, client certificate, deadline), so what passes here is
  // what the sink will do.
  http::client_options opts = es::client_options_of(cfg, sink_name);
  opts.on_step = [steps](const http::connection_step& s) { steps->push_back(s); };
  const auto ex = co_await boost::asio::this_coro::executor;
  std::unique_ptr<http::client> client;
  try {
    client = std::make_unique<http::client>(ex, *origin, opts);
    ctx.proxy_configured = client->route().proxy.has_value();
  } catch (const std::exception& e) {
    t.checks.push_back({"tls", check_status::failed, e.what(), "check " + ctx.ca_key + " and the proxy settings"});
    skip_rest(t, es_steps, "not reached");
    co_return t;
  }
  const std::string authorization = es::authorization_value(cfg);
  auto make = [&](bhttp::verb verb, std::string_view path) {
    http::request req{verb, http::join_path(origin->target, path), 11};
    req.set(bhttp::field::accept, "application/json");
    if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
    return req;
  };

  http::request root_req = make(bhttp::verb::get, "/");
  http::exchange_result root = co_await client->send(std::move(root_req));
  t.checks = transport_checks(*steps, ctx);
  if (!connected(t.checks)) {
    skip_rest(t, es_steps, "not reached");
    co_return t;
  }
  if (!root.ok()) {
    t.checks.push_back({"auth", check_status::failed, root.error, "check that " + ctx.url_key + " is Elasticsearch's HTTP port"});
    skip_rest(t, es_steps, "not reached");
    co_return t;
  }
  const unsigned root_status = root.res.result_int();
  const std::string kind(es::auth_kind(cfg));
  if (root_status == 401) {
    t.checks.push_back({"auth", check_status::failed,
                        kind == "none" ? "Elasticsearch requires credentials (401) and none are configured"
                                       : "Elasticsearch refuses the " + kind + " credentials (401)",
                        credentials_hint(sink_name, cfg)});
    skip_rest(t, es_steps, "not reached");
    co_return t;
  }
  t.checks.push_back({"auth", check_status::ok,
                      kind == "none" ? "no credentials configured; the cluster accepts the request"
                                     : kind + " credentials accepted",
                      ""});
  es::cluster_capabilities caps;
  if (root_status == 200) {
    es::read_root_info(root.res.body(), caps);
    if (caps.major == 0) {
      t.checks.push_back({"version", check_status::failed, "GET / gave no version.number",
                          "check that " + ctx.url_key + " is Elasticsearch"});
    } else {
      const std::string number = es::parse_version_number(root.res.body()).value_or(
          std::to_string(caps.major) + "." + std::to_string(caps.minor));
      t.checks.push_back({"version", check_status::ok,
                          std::string(caps.opensearch ? "OpenSearch " : "Elasticsearch ") + number, ""});
    }
  } else if (root_status == 403) {
    // An ingest-only key may not read the cluster's info; shipping does not need it.
    t.checks.push_back({"version", check_status::skipped, "GET / refused (403): the key may not read cluster info", ""});
  } else {
    t.checks.push_back({"version", check_status::failed, "GET / answered HTTP " + std::to_string(root_status),
                        "check that " + ctx.url_key + " is Elasticsearch"});
  }

  std::vector<std::string> kinds;
  if (cfg.template_install) {
    // When GET / was refused the cluster is unknown: plan for a current one, as `setup --export` does.
    const es::setup_plan plan = es::plan_setup(cfg, caps.major == 0 ? es::export_capabilities() : caps);
    for (const auto& o : plan.objects) kinds.push_back(o.kind);
  }
  const privilege_request wanted = required_privileges(cfg, kinds);
  http::request priv_req = make(bhttp::verb::post, "/_security/user/_has_privileges");
  priv_req.set(bhttp::field::content_type, "application/json");
  priv_req.body() = has_privileges_body(wanted);
  http::exchange_result priv = co_await client->send(std::move(priv_req));
  if (!priv.ok()) {
    t.checks.push_back({"privileges", check_status::failed, priv.error, ""});
    co_return t;
  }
  const privilege_answer a = interpret_has_privileges(priv.res.result_int(), priv.res.body());
  const std::string user = a.username.empty() ? std::string() : "user " + a.username + " ";
  switch (a.what) {
    case privilege_answer::kind::granted:
      t.checks.push_back({"privileges", check_status::ok, user + "holds " + join(a.held), ""});
      break;
    case privilege_answer::kind::missing:
      t.checks.push_back({"privileges", check_status::failed, user + "lacks " + join(a.missing),
                          "grant the key's role " + join(a.missing)});
      break;
    case privilege_answer::kind::no_security:
      t.checks.push_back({"privileges", check_status::skipped, "security not enabled", ""});
      break;
    case privilege_answer::kind::unauthenticated:
      t.checks.push_back({"privileges", check_status::failed, "401 from _has_privileges: " + a.error,
                          credentials_hint(sink_name, cfg)});
      break;
    case privilege_answer::kind::error:
      t.checks.push_back({"privileges", check_status::failed, a.error, ""});
      break;
  }
  co_return t;
}

}  // namespace sf::connection_test
