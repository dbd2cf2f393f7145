// The source's checks: connect (traced), mint a token with the key `run` would use, read the newest event.
#include "daemon/connection_test/probes.hpp"

#include "common/time/rfc3339.hpp"
#include "daemon/audit/page_renderer.hpp"
#include "daemon/connection_test/transport_checks.hpp"
#include "daemon/source/scaleft_source.hpp"

#include <boost/asio/this_coro.hpp>

#include <memory>

namespace sf::connection_test {
namespace {

const std::vector<std::string> source_steps = {"dns", "tcp", "proxy", "tls", "auth", "audit page"};

}  // namespace

boost::asio::awaitable<target_report> probe_source(const config::forwarder_config& cfg, std::int64_t now_unix) {
  target_report t{"source", "scaleft", cfg.source.url, {}};
  transport_context ctx;
  ctx.url_key = "source.url";
  ctx.ca_key = "source.ca_file";
  ctx.now_unix = now_unix;
  ctx.tls = cfg.source.url.rfind("https://", 0) == 0;
  auto steps = std::make_shared<std::vector<http::connection_step>>();
  std::unique_ptr<source::scaleft_source> src;
  const auto ex = co_await boost::asio::this_coro::executor;
  try {
    src = std::make_unique<source::scaleft_source>(ex, cfg,
                                                   keys::no_key_observer(),
                                                   [steps](const http::connection_step& s) { steps->push_back(s); });
    ctx.proxy_configured = src->client().route().proxy.has_value();
  } catch (const std::exception& e) {
    t.checks.push_back({"tls", check_status::failed, e.what(), "check source.ca_file, source.url and the proxy settings"});
    skip_rest(t, source_steps, "not reached");
    co_return t;
  }
  // The key `run` starts with: the one a rotation left in credentials.json, else source.key_id.
  std::string key_from = "source.key_id";
  if (auto key = source::key_on_record(cfg.state_dir)) {
    src->api().set_key(std::move(*key));
    key_from = "credentials.json in " + cfg.state_dir;
  }
  const std::string key_id = src->api().key().id;
  const std::string target = src->reader().page_target("", true, 1);  // the newest event
  source::api_result r = co_await src->api().get(target);

  t.checks = transport_checks(*steps, ctx);
  if (!connected(t.checks)) {
    skip_rest(t, source_steps, "not reached");
    co_return t;
  }
  if (!r.exchange.ok()) {
    // Connected, then the exchange failed: no HTTP answer (a timeout, a reset, an unreadable token).
    const std::string step = src->api().tokens_minted() == 0 ? "auth" : "audit page";
    t.checks.push_back({step, check_status::failed, r.exchange.error,
                        "check that source.url is the ScaleFT API (https://app.scaleft.com or your own)"});
    skip_rest(t, source_steps, "not reached");
    co_return t;
  }
  if (r.from_token_mint) {
    const unsigned st = r.status();
    std::string hint = "check source.key_id and source.key_secret (or key_secret_file)";
    if (st == 404) hint = "check source.team and source.url";
    else if (st != 401 && st != 403) hint = "the ScaleFT API answered an error: try again, or check source.url";
    t.checks.push_back({"auth", check_status::failed,
                        "the ScaleFT API refuses to mint a token for key " + key_id + " (" + key_from + "): HTTP " +
                            std::to_string(st) + " from service_token",
                        hint});
    skip_rest(t, source_steps, "not reached");
    co_return t;
  }
  const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(src->api().token_expires_at() -
                                                                    std::chrono::system_clock::now());
  t.checks.push_back({"auth", check_status::ok,
                      "bearer token minted for key " + key_id + " (" + key_from + "), valid for " +
                          std::to_string(std::max<long long>(0, ttl.count())) + " s",
                      ""});
  if (!r.ok()) {
    const unsigned st = r.status();
    std::string hint = "check source.team";
    if (st == 401 || st == 403)
      hint = "give the service user a role that may read audits (reporting_user, access_user or access_admin)";
    t.checks.push_back({"audit page", check_status::failed,
                        "HTTP " + std::to_string(st) + " for the newest audit event",
                        hint});
    co_return t;
  }
  auto& body = r.exchange.res.body();
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::parser parser;
  audit::event_batch batch;
  const std::string read_time = time::format_rfc3339_ns(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  auto outcome =
      audit::render_page(parser, simdjson::padded_string_view(body.data(), body.size(), body.capacity()), read_time, batch);
  if (!outcome.ok) {
    t.checks.push_back({"audit page", check_status::failed, "the audit page cannot be read: " + outcome.error,
                        "check that source.url is the ScaleFT API"});
  } else if (batch.empty()) {
    t.checks.push_back({"audit page", check_status::ok, "no events", ""});
  } else {
    t.checks.push_back({"audit page", check_status::ok,
                        "newest event " + std::string(batch.timestamp(0)) + " (id " + std::string(batch.id(0)) + ")",
                        ""});
  }
  co_return t;
}

}  // namespace sf::connection_test
