// Tests of the state files: atomic replace survives crashes and full disks; corrupt checkpoints are
// explained.
#include "common/files/atomic_file.hpp"
#include "daemon/state/checkpoint.hpp"
#include "daemon/state/state_dir.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace sf::state;
using ::testing::HasSubstr;

// The full-disk switch exists only in builds with SF_TEST_HOOKS (scripts/test.sh turns it on); without it
// those tests fail, saying why: a skipped fault test would pass without testing anything.
#ifdef SF_TEST_HOOKS
#define REQUIRE_TEST_HOOKS() (void)0
#else
#define REQUIRE_TEST_HOOKS() GTEST_FAIL() << "built without SF_TEST_HOOKS: reconfigure with -DSF_TEST_HOOKS=ON"
#endif

namespace {

using sf::test::temp_dir;

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

void write_raw(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

checkpoint sample(std::string id, std::uint64_t total) {
  return checkpoint{std::move(id), "2024-05-01T12:00:00.000Z", total, "2024-05-01T12:00:05.000Z"};
}

// Sets SF_TEST_FAIL_WRITES for one scope (the tests run single-threaded, so setenv is safe here).
class fail_writes_scope {
 public:
  explicit fail_writes_scope(const char* pattern) { ::setenv("SF_TEST_FAIL_WRITES", pattern, 1); }
  ~fail_writes_scope() { ::unsetenv("SF_TEST_FAIL_WRITES"); }
};

}  // namespace

TEST(AtomicFile, ReplacesContentAndSetsExactModeWhateverTheUmask) {
  temp_dir d;
  const fs::path f = d.path() / "secret.key";
  const mode_t old_umask = ::umask(0);  // a careless umask must not widen a secret file
  ASSERT_TRUE(write_secret_file(f, "first"));
  ::umask(old_umask);
  EXPECT_EQ(mode_of(f), 0600u);
  ASSERT_TRUE(write_file_atomically(f, "second", 0640));
  EXPECT_EQ(read_small_file(f, 100).bytes, "second");
  EXPECT_EQ(mode_of(f), 0640u);
  EXPECT_THAT(names_in(d.path()), ::testing::ElementsAre("secret.key"));  // no temp file left behind
}

TEST(AtomicFile, InjectedDiskFullKeepsOldContentAndRemovesTempFile) {
  REQUIRE_TEST_HOOKS();
  temp_dir d;
  const fs::path f = d.path() / "data.json";
  ASSERT_TRUE(write_file_atomically(f, "old content", 0600));
  {
    fail_writes_scope fail("data.json");
    status s = write_file_atomically(f, std::string(10000, 'x'), 0600);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, std::errc::no_space_on_device);
    EXPECT_THAT(s.error().message, HasSubstr("cannot write"));
    EXPECT_THAT(s.error().message, HasSubstr(f.string()));
  }
  EXPECT_EQ(read_small_file(f, 100).bytes, "old content");
  EXPECT_THAT(names_in(d.path()), ::testing::ElementsAre("data.json"));
}

TEST(AtomicFile, FailsClearlyWhenTheDirectoryIsMissing) {
  temp_dir d;
  status s = write_file_atomically(d.path() / "missing" / "x.json", "x", 0600);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, std::errc::no_such_file_or_directory);
  EXPECT_THAT(s.error().message, HasSubstr("cannot create a temp file in"));
  EXPECT_THAT(s.error().message, HasSubstr("missing"));
}

TEST(AtomicFile, ReadSmallFileRefusesFilesOverTheLimit) {
  temp_dir d;
  write_raw(d.path() / "big", std::string(2000, 'a'));
  read_result r = read_small_file(d.path() / "big", 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error.message, HasSubstr("2000 bytes, more than the 1000"));
  EXPECT_EQ(read_small_file(d.path() / "nope", 10).error.code, std::errc::no_such_file_or_directory);
  EXPECT_EQ(read_small_file(d.path(), 10).error.code, std::errc::invalid_argument);
}

TEST(Checkpoint, NoFileMeansFirstStart) {
  temp_dir d;
  EXPECT_EQ(load_checkpoint(d.path()).what, loaded_checkpoint::kind::none);
}

TEST(Checkpoint, SaveThenLoadRoundTripsWithSecretMode) {
  temp_dir d;
  checkpoint cp = sample("evt-\"quoted\"\\1", 18446744073709551615ull);
  ASSERT_TRUE(save_checkpoint(d.path(), cp));
  loaded_checkpoint l = load_checkpoint(d.path());
  ASSERT_EQ(l.what, loaded_checkpoint::kind::loaded) << l.message;
  EXPECT_EQ(l.value, cp);
  EXPECT_EQ(mode_of(d.path() / "checkpoint.json"), 0600u);
}

TEST(Checkpoint, SaveStampsWrittenAtWhenEmpty) {
  temp_dir d;
  checkpoint cp = sample("a", 1);
  cp.written_at.clear();
  ASSERT_TRUE(save_checkpoint(d.path(), cp));
  loaded_checkpoint l = load_checkpoint(d.path());
  ASSERT_EQ(l.what, loaded_checkpoint::kind::loaded) << l.message;
  EXPECT_THAT(l.value.written_at, ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z"));
}

TEST(Checkpoint, TornTempFileFromACrashIsIgnoredAndCleaned) {
  temp_dir d;
  ASSERT_TRUE(save_checkpoint(d.path(), sample("old", 10)));
  // What a crash between write() and rename() leaves: a partial temp file next to the intact checkpoint.
  write_raw(d.path() / ".checkpoint.json.tmp.Ab12Cd", R"({"version":1,"event_id":"new","event_ti)");
  write_raw(d.path() / "unrelated.tmp", "keep me");
  loaded_checkpoint l = load_checkpoint(d.path());
  ASSERT_EQ(l.what, loaded_checkpoint::kind::loaded) << l.message;
  EXPECT_EQ(l.value.event_id, "old");
  EXPECT_EQ(l.stale_temp_files_removed, 1u);
  EXPECT_THAT(names_in(d.path()), ::testing::UnorderedElementsAre("checkpoint.json", "unrelated.tmp"));
}

TEST(Checkpoint, DiskFullDuringSaveKeepsThePreviousCheckpoint) {
  REQUIRE_TEST_HOOKS();
  temp_dir d;
  ASSERT_TRUE(save_checkpoint(d.path(), sample("old", 10)));
  {
    fail_writes_scope fail("checkpoint.json");
    status s = save_checkpoint(d.path(), sample("new", 20));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, std::errc::no_space_on_device);
    EXPECT_THAT(s.error().message, HasSubstr("checkpoint.json left unchanged"));
  }
  loaded_checkpoint l = load_checkpoint(d.path());
  ASSERT_EQ(l.what, loaded_checkpoint::kind::loaded) << l.message;
  EXPECT_EQ(l.value.event_id, "old");
  EXPECT_EQ(l.value.events_total, 10u);
  // Once the disk has room again the next save goes through.
  ASSERT_TRUE(save_checkpoint(d.path(), sample("new", 20)));
  EXPECT_EQ(load_checkpoint(d.path()).value.event_id, "new");
}

TEST(Checkpoint, KilledWhileSavingLeavesOldOrNewNeverTorn) {
  temp_dir d;
  ASSERT_TRUE(save_checkpoint(d.path(), sample("start", 0)));
  // A child saves in a tight loop and is killed with SIGKILL at an arbitrary moment, several times.
  for (int round = 0; round < 5; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (std::uint64_t i = 1;; ++i) {
        if (!save_checkpoint(d.path(), sample("evt-" + std::to_string(i), i)).ok()) ::_exit(3);
      }
    }
    ::usleep(20000 + round * 7000);
    ::kill(child, SIGKILL);
    int wstatus = 0;
    ::waitpid(child, &wstatus, 0);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the saving child failed on its own";
    loaded_checkpoint l = load_checkpoint(d.path());
    ASSERT_EQ(l.what, loaded_checkpoint::kind::loaded) << l.message;
    EXPECT_EQ(l.value.event_id,
              l.value.events_total == 0 ? "start" : "evt-" + std::to_string(l.value.events_total));
    for (const auto& n : names_in(d.path())) EXPECT_EQ(n, "checkpoint.json");  // temp files were cleaned
  }
}

struct corruption_case {
  const char* name;
  std::string content;
  const char* expected;
};

class CheckpointCorruption : public ::testing::TestWithParam<corruption_case> {};

TEST_P(CheckpointCorruption, IsReportedWithWhatIsWrongAndHowToRecover) {
  temp_dir d;
  write_raw(d.path() / "checkpoint.json", GetParam().content);
  loaded_checkpoint l = load_checkpoint(d.path());
  ASSERT_EQ(l.what, loaded_checkpoint::kind::corrupt) << l.message;
  EXPECT_THAT(l.message, HasSubstr((d.path() / "checkpoint.json").string()));
  EXPECT_THAT(l.message, HasSubstr(GetParam().expected));
  EXPECT_THAT(l.message, HasSubstr("restore the file from a backup"));
  EXPECT_THAT(l.message, HasSubstr("delete it and set source.start_at"));
  // The corrupt file is evidence: loading must never delete or rewrite it.
  EXPECT_EQ(read_small_file(d.path() / "checkpoint.json", 1 << 20).bytes, GetParam().content);
}

const std::string good_tail = R"("event_timestamp":"t","events_total":3,"written_at":"w"})";

INSTANTIATE_TEST_SUITE_P(
    Classes, CheckpointCorruption,
    ::testing::Values(
        corruption_case{"empty", "", "it is empty (truncated)"},
        corruption_case{"whitespace", " \n", "it is empty (truncated)"},
        corruption_case{"truncated", R"({"version":1,"event_id":"abc","event_tim)", "it is truncated"},
        corruption_case{"zero_filled", std::string(40, '\0'), "NUL bytes"},
        corruption_case{"not_json", "version=1 event_id=abc", "it is not JSON"},
        corruption_case{"broken_json", R"({"version":1,,"event_id":"a"})", "it is not JSON"},
        corruption_case{"trailing", R"({"version":1,"event_id":"a",)" + good_tail + R"( {})",
                        "it is not JSON"},
        corruption_case{"array", "[1,2,3]", "it is an array, not a JSON object"},
        corruption_case{"missing_version", R"({"event_id":"a",)" + good_tail, "field \"version\" is missing"},
        corruption_case{"missing_id", R"({"version":1,)" + good_tail, "field \"event_id\" is missing"},
        corruption_case{"missing_total",
                        R"({"version":1,"event_id":"a","event_timestamp":"t","written_at":"w"})",
                        "field \"events_total\" is missing"},
        corruption_case{
            "total_as_string",
            R"({"version":1,"event_id":"a","event_timestamp":"t","events_total":"3",)"
            R"("written_at":"w"})",
            "field \"events_total\" has the wrong type: expected a non-negative integer, found a string"},
        corruption_case{"negative_total",
                        R"({"version":1,"event_id":"a","event_timestamp":"t","events_total":-3,)"
                        R"("written_at":"w"})",
                        "field \"events_total\" has the wrong type"},
        corruption_case{"id_as_number", R"({"version":1,"event_id":7,)" + good_tail,
                        "field \"event_id\" has the wrong type: expected a string, found an integer"},
        corruption_case{"unknown_version", R"({"version":2,"event_id":"a",)" + good_tail,
                        "unknown version 2"},
        corruption_case{"too_large", std::string(100 * 1024, ' ') + "{}", "larger than 65536 bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Checkpoint, UnreadableFileIsAnIoErrorNotCorruption) {
  temp_dir d;
  fs::create_directory(d.path() / "checkpoint.json");  // e.g. a bad volume mount
  loaded_checkpoint l = load_checkpoint(d.path());
  EXPECT_EQ(l.what, loaded_checkpoint::kind::io_error);
  EXPECT_THAT(l.message, HasSubstr("not a regular file"));
}

TEST(StateDir, CreatesMissingDirectoryAndParentsWith0700) {
  temp_dir d;
  const fs::path dir = d.path() / "a" / "b" / "state";
  prepared_dir p = prepare_state_dir(dir);
  ASSERT_TRUE(p.ok()) << p.result.error().message;
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(d.path() / "a"), 0700u);
  EXPECT_EQ(p.note, "");
}

TEST(StateDir, TightensLoosePermissionsAndSaysSo) {
  temp_dir d;
  const fs::path dir = d.path() / "state";
  fs::create_directory(dir);
  fs::permissions(dir, static_cast<fs::perms>(0755));
  prepared_dir p = prepare_state_dir(dir);
  ASSERT_TRUE(p.ok()) << p.result.error().message;
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_THAT(p.note, HasSubstr("from 0755 to 0700"));
  prepared_dir again = prepare_state_dir(dir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.note, "");  // nothing to say the second time
}

TEST(StateDir, RefusesAPathThatIsNotADirectory) {
  temp_dir d;
  write_raw(d.path() / "state", "i am a file");
  prepared_dir p = prepare_state_dir(d.path() / "state");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.result.error().code, std::errc::not_a_directory);
  EXPECT_THAT(p.result.error().message, HasSubstr("exists but is not a directory"));
  prepared_dir q = prepare_state_dir(d.path() / "state" / "below");
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(q.result.error().message, HasSubstr("part of that path is a file, not a directory"));
}

TEST(StateDir, RefusesADirectoryThisProcessCannotWrite) {
  // An owner can always chmod its own directory back, so only root can set up a directory owned by another.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to hand the directory to another user";
  temp_dir d;
  fs::permissions(d.path(), static_cast<fs::perms>(0755));
  const fs::path dir = d.path() / "state";
  fs::create_directory(dir);
  fs::permissions(dir, static_cast<fs::perms>(0700));
  // Root may write anywhere, so the check runs in a child that drops to an unprivileged user (nobody):
  // the directory is 0700 and owned by root, exactly what a forwarder started as the wrong user meets.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    prepared_dir p = prepare_state_dir(dir);
    if (p.ok()) ::_exit(3);
    const std::string& m = p.result.error().message;
    const bool clear = m.find("not writable by this process") != std::string::npos ||
                       m.find("cannot be tightened") != std::string::npos;
    ::_exit(clear && m.find(dir.string()) != std::string::npos ? 0 : 4);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "2: cannot drop privileges, 3: accepted, 4: unclear message";
}
