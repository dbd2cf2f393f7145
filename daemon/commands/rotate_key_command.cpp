// rotate-key: one forced rotation of the service user's API key, then exit (0, or 1 with the reason).
#include "daemon/commands/command.hpp"
#include "daemon/source/scaleft_source.hpp"
#include "common/log/logger.hpp"
#include "daemon/state/state_dir.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace sf::commands {
namespace {

int rotate_key(const cli_args& args) {
  auto loaded = load_config_or_report(args);
  if (!loaded) return exit_usage;
  config::forwarder_config cfg = std::move(*loaded);
  configure_logging(cfg);
  if (cfg.source.service_user.empty()) {
    std::cerr << "scaleft-forwarder: rotate-key needs source.service_user (the user whose key is rotated)\n";
    return exit_usage;
  }
  if (auto prepared = state::prepare_state_dir(cfg.state_dir); !prepared.ok()) {
    std::cerr << "scaleft-forwarder: cannot use the state directory: " << prepared.result.error().message
              << "\n";
    return exit_runtime;
  }
  boost::asio::io_context io(1);
  int exit_code = exit_runtime;
  std::string outcome;
  try {
    source::scaleft_source source(io.get_executor(), cfg);
    keys::key_manager& manager = source.keys();
    auto job = [&]() -> boost::asio::awaitable<keys::rotation_result> {
      co_await manager.start();
      co_return co_await manager.rotate_now();
    };
    boost::asio::co_spawn(io, job(), [&](std::exception_ptr ep, keys::rotation_result r) {
      if (ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          outcome = e.what();
        }
        return;
      }
      outcome = r.message;
      if (r.ok) exit_code = exit_ok;
    });
    io.run();
  } catch (const std::exception& e) {
    outcome = e.what();
  }
  if (exit_code == exit_ok) {
    std::cout << "key rotated: " << outcome << "\n";
  } else {
    std::cerr << "scaleft-forwarder: key rotation failed: " << outcome << "\n";
  }
  return exit_code;
}

}  // namespace

const command rotate_key_command{"rotate-key",
                                 "rotate-key --config FILE",
                                 "rotate the service user's API key once (needs role access_admin) and exit",
                                 {{"--config", true}},
                                 rotate_key};

}  // namespace sf::commands
