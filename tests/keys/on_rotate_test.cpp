// The on_rotate contract: its stdin JSON and environment (pure), then real children: input, exit status,
// signals, timeout, a missing program, no inherited descriptors.
#include "daemon/keys/hook_process.hpp"
#include "daemon/keys/on_rotate.hpp"
#include "tests/support/run_bounded.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>
#include <simdjson.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sf::keys {
namespace {

using std::chrono::milliseconds;

TEST(HookInput, OneJsonObjectWithTheKeyAndItsOwner) {
  const std::string text = hook_input_json({"k-1", "se\"cr\\et\n", "acme", "log-forwarder", "k-0"});
  ASSERT_EQ(text.back(), '\n');
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  ASSERT_FALSE(parser.parse(text).get(obj));
  EXPECT_EQ(std::string_view(obj["key_id"]), "k-1");
  EXPECT_EQ(std::string_view(obj["key_secret"]), "se\"cr\\et\n");
  EXPECT_EQ(std::string_view(obj["team"]), "acme");
  EXPECT_EQ(std::string_view(obj["service_user"]), "log-forwarder");
  EXPECT_EQ(std::string_view(obj["previous_key_id"]), "k-0");
}

TEST(HookEnvironment, DropsEveryVariableHoldingASecretAndKeepsTheRest) {
  const std::vector<std::string> env = {"PATH=/usr/bin:/bin",   "SFT_KEY_SECRET=hunter2",
                                        "ES_AUTH=Basic hunter3x", "VAULT_TOKEN=s.vault",
                                        "SF_TEST_CRASH_AT=after_switch", "EMPTY=", "NOVALUE"};
  const auto out = hook_environment(env, {"hunter2", "hunter3", ""});
  EXPECT_EQ(out,
            (std::vector<std::string>{"PATH=/usr/bin:/bin", "VAULT_TOKEN=s.vault", "EMPTY=", "NOVALUE"}));
  // A very short secret would match inside PATH: only a variable that is exactly it goes.
  EXPECT_EQ(hook_environment({"PATH=/usr/bin", "SHORT=bin"}, {"bin"}),
            std::vector<std::string>{"PATH=/usr/bin"});
}

TEST(ChildResult, DescriptionsSayWhatHappened) {
  child_result r;
  r.what = child_result::kind::exited;
  r.code = 3;
  EXPECT_EQ(describe(r, milliseconds(1000)), "exited with status 3");
  EXPECT_FALSE(r.ok());
  r.what = child_result::kind::signaled;
  r.code = 9;
  EXPECT_EQ(describe(r, milliseconds(1000)).rfind("killed by signal 9", 0), 0u);
  r.what = child_result::kind::timed_out;
  EXPECT_EQ(describe(r, milliseconds(30000)), "timed out after 30s (killed)");
  r.what = child_result::kind::not_started;
  r.error = "/nope: No such file or directory";
  EXPECT_EQ(describe(r, milliseconds(1)), "cannot start: /nope: No such file or directory");
  r.what = child_result::kind::exited;
  r.code = 0;
  EXPECT_TRUE(r.ok());
}

class HookProcess : public ::testing::Test {
 protected:
  child_result run(const std::vector<std::string>& argv, std::string_view input, milliseconds timeout,
                   std::vector<std::string> env = {"PATH=/usr/bin:/bin"}) {
    boost::asio::io_context io;
    hook_process p(io.get_executor());
    // The program's own timeout ends it; the watchdog is for a hang in the runner itself.
    return sf::test::run(io, p.run(argv, env, input, timeout), timeout + std::chrono::seconds(10));
  }
  std::string slurp(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  sf::test::temp_dir tmp_{"sf-hook-test"};
  std::filesystem::path dir_ = tmp_.path();
};

TEST_F(HookProcess, TheInputArrivesOnStdinAndNothingElseIsInherited) {
  // A descriptor the daemon holds without O_CLOEXEC (as a library might): the child must not see it.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  const std::string script = "cat > " + (dir_ / "in").string() + "; ls /proc/self/fd > " +
                             (dir_ / "fds").string() + "; env > " + (dir_ / "env").string();
  auto r = run({"/bin/sh", "-c", script}, "{\"key_secret\":\"s\"}\n", milliseconds(10000),
               {"PATH=/usr/bin:/bin", "A=1"});
  ::close(leaked);
  EXPECT_TRUE(r.ok()) << describe(r, milliseconds(10000));
  EXPECT_EQ(slurp("in"), "{\"key_secret\":\"s\"}\n");
  // 0, 1, 2 and the one ls opens for /proc/self/fd.
  std::stringstream fds(slurp("fds"));
  int n = 0;
  for (std::string line; std::getline(fds, line);) {
    const int fd = std::stoi(line);
    EXPECT_TRUE(fd <= 3) << "descriptor " << fd << " leaked into the child";
    ++n;
  }
  EXPECT_LE(n, 4);
  EXPECT_NE(slurp("env").find("A=1"), std::string::npos);
}

TEST_F(HookProcess, ExitStatusAndSignalAreReported) {
  auto failed = run({"/bin/sh", "-c", "exit 7"}, "", milliseconds(10000));
  EXPECT_EQ(failed.what, child_result::kind::exited);
  EXPECT_EQ(failed.code, 7);
  auto killed = run({"/bin/sh", "-c", "kill -TERM $$"}, "", milliseconds(10000));
  EXPECT_EQ(killed.what, child_result::kind::signaled);
  EXPECT_EQ(killed.code, SIGTERM);
}

TEST_F(HookProcess, ANameIsLookedUpOnPathAndAMissingProgramCannotStart) {
  EXPECT_TRUE(run({"true"}, "", milliseconds(10000)).ok());
  auto r = run({(dir_ / "no-such-program").string()}, "", milliseconds(10000));
  EXPECT_EQ(r.what, child_result::kind::not_started);
  EXPECT_NE(r.error.find("No such file"), std::string::npos) << r.error;
}

TEST_F(HookProcess, AProgramThatDoesNotReadItsInputDoesNotHurtTheDaemon) {
  // Exits before reading: the daemon's write must give EPIPE, not a SIGPIPE that kills this test.
  const std::string big(200 * 1024, 'x');
  auto r = run({"/bin/sh", "-c", "exec 0<&-; exit 0"}, big, milliseconds(10000));
  EXPECT_TRUE(r.ok()) << describe(r, milliseconds(10000));
}

TEST_F(HookProcess, AHangingProgramAndItsChildrenAreKilledAtTheTimeout) {
  const auto pidfile = (dir_ / "grandchild").string();
  const auto start = std::chrono::steady_clock::now();
  auto r = run({"/bin/sh", "-c", "sleep 30 & echo $! > " + pidfile + "; wait"}, "", milliseconds(500));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.what, child_result::kind::timed_out);
  EXPECT_LT(took, std::chrono::seconds(5));
  // The sleep the hook started is in its process group: gone too (reaped by init, so poll briefly).
  const int pid = std::stoi(slurp("grandchild"));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string content;
    std::getline(stat, content);
    gone = !stat || content.find(") Z ") != std::string::npos;
    if (!gone) ::usleep(20000);
  }
  EXPECT_TRUE(gone) << "the hook's child " << pid << " survived the timeout";
}

}  // namespace
}  // namespace sf::keys
