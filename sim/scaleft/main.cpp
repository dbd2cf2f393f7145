// scaleft-sim: the ScaleFT (Okta ASA) API simulator's entry point: flags, start-up, the event feed, signals.
#include "sim/common/http_server.hpp"
#include "sim/scaleft/options.hpp"
#include "sim/scaleft/simulator.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>

namespace asio = boost::asio;
using namespace sfsim::scaleft;

namespace {

// 0600 from the first byte (never world-readable, not even briefly), no newline at the end.
void write_secret_file(const std::filesystem::path& path, const std::string& content) {
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);
  const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + tmp);
  std::filesystem::rename(tmp, path);
}

// Adds `rate` events per second of real time (not simulated time: a clock jump is not a burst of events).
class event_feed {
 public:
  event_feed(asio::io_context& io, simulator& sim, double rate)
      : timer_(io), sim_(sim), rate_(rate), start_(std::chrono::steady_clock::now()) {}
  void start() {
    if (rate_ > 0) arm();
  }
  void stop() { timer_.cancel(); }

 private:
  void arm() {
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      const auto due = static_cast<std::uint64_t>(elapsed * rate_);
      if (due > added_) {
        sim_.add_events(due - added_);
        added_ = due;
      }
      arm();
    });
  }
  asio::steady_timer timer_;
  simulator& sim_;
  double rate_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t added_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_options(args);
  if (auto* e = std::get_if<std::string>(&parsed)) {
    std::cerr << "scaleft-sim: " << *e << "\n";
    return 2;
  }
  const options& opt = std::get<options>(parsed);
  if (opt.help) {
    std::cout << usage();
    return 0;
  }
  try {
    sim_config cfg;
    cfg.team = opt.team;
    cfg.seed = opt.seed;
    cfg.token_lifetime = opt.token_lifetime;
    cfg.rotation_expiry = opt.rotation_expiry;
    cfg.retention = opt.retention;
    cfg.rate_limit = opt.rate_limit;
    cfg.odd_rate = opt.odd_rate;
    cfg.objects = opt.objects;
    cfg.tls = !opt.tls_cert.empty();
    cfg.omit_last_next = opt.omit_last_next;
    cfg.refuse_aged_offsets = opt.refuse_aged_offsets;
    simulator sim(cfg);
    for (const auto& su : opt.service_users) sim.keys().add_user(su.name, su.roles);
    const nanos now = sim.clock().now();
    for (const auto& su : opt.service_users) {
      const api_key& key = sim.keys().create_key(su.name, now, cfg.rotation_expiry);
      if (!opt.credentials_dir.empty()) {
        std::filesystem::create_directories(opt.credentials_dir);
        const std::filesystem::path dir(opt.credentials_dir);
        write_secret_file(dir / (su.name + ".key_id"), key.id);
        write_secret_file(dir / (su.name + ".key_secret"), key.secret);
      }
    }
    for (const auto& f : opt.faults) sim.faults().add(f);
    sim.preload(opt.events, opt.span);

    asio::io_context io(1);
    sfsim::server_options so;
    if (cfg.tls) so.tls = sfsim::make_server_tls(opt.tls_cert, opt.tls_key);
    sfsim::http_server server(
        io, sfsim::parse_endpoint(opt.listen), [&sim](sfsim::request& req) { return sim.handle(req); }, so);
    const auto ep = server.local_endpoint();
    sim.set_fallback_host(ep.address().to_string() + ":" + std::to_string(ep.port()));
    server.start();
    event_feed feed(io, sim, opt.rate);
    feed.start();
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      feed.stop();
      server.stop();
      io.stop();  // sessions in flight (a stall, say) are dropped: the process is going away
    });
    sfsim::announce_endpoint(ep, cfg.tls, opt.port_file);
    io.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "scaleft-sim: " << e.what() << "\n";
    return 1;
  }
}
