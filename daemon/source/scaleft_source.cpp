// The one assembly of the ScaleFT source stack, and the key on record for commands beside the daemon.
#include "daemon/source/scaleft_source.hpp"

#include "common/log/logger.hpp"
#include "daemon/keys/credentials_store.hpp"
#include "daemon/source/source_client.hpp"

namespace sf::source {
namespace {

http::client_options with_observer(http::client_options o, http::connection_observer on_step) {
  o.on_step = std::move(on_step);
  return o;
}

}  // namespace

scaleft_source::scaleft_source(boost::asio::any_io_executor ex, const config::forwarder_config& cfg,
                               keys::key_observer& key_events, http::connection_observer on_step)
    : cfg_(cfg),
      client_(ex, source_url(cfg_.source), with_observer(source_client_options(cfg_.source), std::move(on_step))),
      limiter_(cfg_.source.rate_limit_headroom),
      api_(client_, cfg_.source.team, api_key{cfg_.source.key_id, cfg_.source.key_secret.value}, &limiter_),
      reader_(api_, cfg_.source, cfg_.retry),
      keys_(ex, cfg_, api_, key_events) {
  const auto& route = client_.route();
  if (route.proxy || !route.reason.empty())
    log::info("ScaleFT API route", {{"url", client_.origin().origin()}, {"proxy", route.describe()}});
}

void scaleft_source::follow_key_on_record() {
  if (auto key = key_on_record(cfg_.state_dir)) api_.set_key(std::move(*key));
  api_.reload_key = [dir = cfg_.state_dir] { return key_on_record(dir); };
}

std::optional<api_key> key_on_record(const std::string& state_dir) {
  auto creds = keys::credentials_store(state_dir).load();
  if (creds.what != keys::loaded_credentials::kind::loaded || !creds.value.current) {
    if (creds.what == keys::loaded_credentials::kind::invalid)
      log::warn("cannot read the key on record", {{"error", creds.message}});
    return std::nullopt;
  }
  return api_key{creds.value.current->id, creds.value.current->secret};
}

}  // namespace sf::source
