// es-sim: the Elasticsearch _bulk test server's entry point: flags, credentials, start-up and signals.
#include "sim/common/http_server.hpp"
#include "sim/elasticsearch/es_server.hpp"
#include "sim/elasticsearch/options.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <iostream>

namespace asio = boost::asio;
using namespace sfsim::es;

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_options(args);
  if (auto* e = std::get_if<std::string>(&parsed)) {
    std::cerr << "es-sim: " << *e << "\n";
    return 2;
  }
  const options& opt = std::get<options>(parsed);
  if (opt.help) {
    std::cout << usage();
    return 0;
  }
  try {
    server_config cfg;
    cfg.version = opt.version;
    cfg.max_content_length = opt.max_content_length;
    cfg.data_stream_patterns = opt.data_stream_patterns;
    cfg.seed = opt.seed;
    cfg.xpack = !opt.no_xpack;
    cfg.security = !opt.no_security;
    if (opt.no_builtin_templates) cfg.builtin_templates = false;
    cfg.rollover_max_docs = opt.rollover_max_docs;
    cfg.lacking_privileges = opt.lacking_privileges;
    // Secrets come from files only (never argv), and are never printed.
    if (!opt.api_key_file.empty()) cfg.creds.api_key = read_secret_file(opt.api_key_file, true);
    if (!opt.basic_file.empty()) cfg.creds.basic = read_secret_file(opt.basic_file, true);
    if (!opt.bearer_file.empty()) cfg.creds.bearer = read_secret_file(opt.bearer_file, false);
    const bool product_header = cfg.sends_product_header();
    es_sim sim(std::move(cfg));
    for (const auto& f : opt.faults) sim.faults().add(f);

    asio::io_context io(1);
    sfsim::server_options so;
    so.max_body_bytes = opt.max_content_length;  // the declared length is checked before the body is read
    // Also on the answers the shared server makes itself (413 before the body is read).
    if (product_header) so.common_headers = {{"X-elastic-product", "Elasticsearch"}};
    const bool tls = !opt.tls_cert.empty();
    if (tls) so.tls = sfsim::make_server_tls(opt.tls_cert, opt.tls_key, opt.tls_client_ca);
    sfsim::http_server server(
        io, sfsim::parse_endpoint(opt.listen), [&sim](sfsim::request& req) { return sim.handle(req); }, so);
    server.start();
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      server.stop();
      io.stop();  // requests in flight (a stall, say) are dropped: the process is going away
    });
    sfsim::announce_endpoint(server.local_endpoint(), tls, opt.port_file);
    io.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "es-sim: " << e.what() << "\n";
    return 1;
  }
}
