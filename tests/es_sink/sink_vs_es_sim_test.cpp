// The Elasticsearch sink against the real es-sim process: per-item and whole-request faults, poison ids.
#include "common/http/client.hpp"
#include "sinks/elasticsearch/elasticsearch_sink.hpp"
#include "tests/support/run_bounded.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// es-sim as a child process on 127.0.0.1:0; killed (by its pid) when the test ends.
class es_sim_process {
 public:
  es_sim_process(const fs::path& dir, std::vector<std::string> extra) {
    port_file_ = dir / "es-sim.url";
    std::vector<std::string> args = {
        ES_SIM_BIN, "--listen", "127.0.0.1:0", "--port-file", port_file_.string(), "--seed", "7"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, ES_SIM_BIN, nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    for (auto start = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - start < 10s;) {
      std::ifstream in(port_file_);
      if (std::getline(in, url_) && !url_.empty()) break;
      std::this_thread::sleep_for(20ms);
    }
  }
  ~es_sim_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }
  const std::string& url() const { return url_; }

 private:
  fs::path port_file_;
  pid_t pid_ = -1;
  std::string url_;
};

class es_sink_vs_sim : public ::testing::Test {
 protected:
  // nullopt: not finished within `limit`, or it threw.
  template <class T>
  std::optional<T> run(asio::awaitable<T> a, std::chrono::milliseconds limit) {
    try {
      return sf::test::run(io_, std::move(a), limit);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  std::string get(const std::string& base, const std::string& target) {
    sf::http::client c(io_.get_executor(), *sf::http::parse_url(base), {});
    sf::http::request req{boost::beast::http::verb::get, target, 11};
    auto r = run(c.send(std::move(req)), 10s);
    if (!r || !r->ok()) return "<failed>";
    return r->res.body();
  }

  std::set<std::string> stored_ids(const std::string& base, const std::string& index) {
    std::set<std::string> ids;
    std::istringstream in(get(base, "/_sim/ids?index=" + index));
    for (std::string l; std::getline(in, l);) {
      if (!l.empty()) ids.insert(l);
    }
    return ids;
  }

  asio::io_context io_;
  sf::test::temp_dir tmp_{"sf-es-sink-sim"};
  fs::path dir_ = tmp_.path();
};

sf::audit::event_batch make_batch(std::size_t n) {
  sf::audit::event_batch b;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string id = "ev-" + std::to_string(i);
    b.add(
        id, "2026-01-01T00:00:00Z",
        R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"id":")" + id +
            R"(","kind":"event","action":"user.create","dataset":"scaleft.audit"},"scaleft":{"details":{"n":)" +
            std::to_string(i) + "}}}");
  }
  return b;
}

TEST_F(es_sink_vs_sim, every_id_stored_once_and_exactly_the_poisoned_ones_dead_lettered) {
  const std::set<std::string> poison = {"ev-7", "ev-420", "ev-1999"};
  es_sim_process sim(
      dir_, {"--fault", "item:429:p=0.1", "--fault", "item:503:p=0.05", "--fault",
             "item:400:id=ev-7,ev-420,ev-1999", "--fault", "bulk:503:p=0.1", "--fault", "bulk:reset:p=0.05",
             "--fault", "bulk:reset_body:p=0.05", "--fault", "bulk:429:n=2"});
  ASSERT_FALSE(sim.url().empty()) << "es-sim did not start";

  sf::config::elasticsearch_sink_config cfg;
  cfg.urls = {sim.url()};
  cfg.index = "scaleft-audit";
  cfg.max_batch_events = 150;
  cfg.max_in_flight = 2;
  cfg.template_install = true;
  cfg.request_timeout = 5s;
  sf::sinks::elasticsearch::elasticsearch_tuning tuning;
  tuning.initial_backoff = 5ms;
  tuning.max_backoff = 50ms;
  tuning.slow_retry = 200ms;
  sf::sinks::elasticsearch::elasticsearch_sink sink("es-sim-test", cfg, io_.get_executor(), (dir_ / "state").string(),
                                     tuning);

  const auto batch = make_batch(2000);
  auto rep = run(sink.deliver(batch), 60s);
  ASSERT_TRUE(rep) << "deliver() did not finish";
  EXPECT_EQ(rep->dead_lettered, poison.size());
  // reset_body applies a request and then cuts its answer: the resend finds those ids already there (409).
  EXPECT_EQ(rep->stored + rep->duplicates + rep->dead_lettered, batch.size());
  EXPECT_GT(sink.stats().retried_items, 0u);

  std::set<std::string> expected;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const std::string id(batch.id(i));
    if (!poison.count(id)) expected.insert(id);
  }
  EXPECT_EQ(stored_ids(sim.url(), "scaleft-audit"),
            expected);  // a set from a sorted list: no id twice either

  std::set<std::string> dead;
  std::ifstream in(sink.dead_letter_path());
  simdjson::dom::parser p;
  for (std::string l; std::getline(in, l);) {
    simdjson::dom::element e;
    ASSERT_EQ(p.parse(l).get(e), simdjson::SUCCESS) << l;
    dead.insert(std::string(std::string_view(e["event_id"])));
    EXPECT_EQ(int64_t(e["status"]), 400);
  }
  EXPECT_EQ(dead, poison);

  // es-sim counts faults it injected: the run really went through them.
  const std::string state = get(sim.url(), "/_sim/state");
  EXPECT_NE(state.find("\"bulk:reset\""), std::string::npos) << state;
  EXPECT_NE(state.find("\"item:429\""), std::string::npos) << state;
}

TEST_F(es_sink_vs_sim, a_data_stream_with_its_template_and_v8_headers) {
  es_sim_process sim(dir_, {});
  ASSERT_FALSE(sim.url().empty()) << "es-sim did not start";
  sf::config::elasticsearch_sink_config cfg;
  cfg.urls = {sim.url()};
  cfg.data_stream = "logs-scaleft.audit-default";
  cfg.template_install = true;
  sf::sinks::elasticsearch::elasticsearch_sink sink("es-sim-ds", cfg, io_.get_executor(), (dir_ / "state").string());
  const auto batch = make_batch(300);
  auto rep = run(sink.deliver(batch), 30s);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->stored, 300u);
  EXPECT_EQ(sink.stats().server_version, "8.15.0");
  const std::string state = get(sim.url(), "/_sim/state");
  EXPECT_NE(state.find("logs-scaleft.audit-default"), std::string::npos) << state;
  // Replaying the same batch stores nothing new: every item is a 409 duplicate.
  auto again = run(sink.deliver(batch), 30s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->duplicates, 300u);
  EXPECT_EQ(again->stored, 0u);
}

}  // namespace
