// Tests of file sink rotation: by size (never splitting a batch) and by age, time-sorted names, zstd
// read-back.
#include "tests/file_sink/file_sink_test_support.hpp"

#include "daemon/ops/telemetry.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <thread>
#include <vector>

using sf::sinks::file::decide_rotation;
using sf::sinks::file::rotate_reason;
using sf::sinks::file::rotated_file_name;

namespace {

std::chrono::system_clock::time_point utc(int y, int mo, int d, int h, int mi, int s, int ms) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(::timegm(&tm)) + std::chrono::milliseconds(ms);
}

// The rotated files beside `active`, in name order (which must be time order), then the active file.
std::vector<fs::path> files_in_order(const fs::path& active) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(active.parent_path())) {
    if (e.path() != active) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  if (fs::exists(active)) out.push_back(active);
  return out;
}

// The event numbers of an NDJSON text, in order; every line must be whole.
std::vector<int> event_numbers(const std::string& ndjson) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos < ndjson.size()) {
    const std::size_t nl = ndjson.find('\n', pos);
    if (nl == std::string::npos) throw std::runtime_error("a partial line: " + ndjson.substr(pos, 60));
    const std::string line = ndjson.substr(pos, nl - pos);
    const std::size_t at = line.find("evt-");
    if (at == std::string::npos) throw std::runtime_error("not an event line: " + line.substr(0, 60));
    out.push_back(std::stoi(line.substr(at + 4)));
    pos = nl + 1;
  }
  return out;
}

file_sink_config rotating(const fs::path& p, std::uint64_t bytes, std::chrono::milliseconds interval = 0ms) {
  file_sink_config c = plain(p);
  c.rotate_bytes = bytes;
  c.rotate_interval = interval;
  return c;
}

}  // namespace

TEST(FileRotationPure, DecidesBySizeBeforeABatchThatWouldOverflowAndByAge) {
  file_sink_config c;
  EXPECT_EQ(decide_rotation(c, 1 << 30, 1 << 20, 1000h), rotate_reason::none) << "both off by default";
  c.rotate_bytes = 1000;
  EXPECT_EQ(decide_rotation(c, 600, 400, 0ms), rotate_reason::none) << "exactly full still fits";
  EXPECT_EQ(decide_rotation(c, 600, 401, 0ms), rotate_reason::size);
  EXPECT_EQ(decide_rotation(c, 0, 5000, 0ms), rotate_reason::none) << "a big batch goes alone, unsplit";
  EXPECT_EQ(decide_rotation(c, 5000, 1, 0ms), rotate_reason::size) << "and the next one starts a new file";
  c.rotate_bytes = 0;
  c.rotate_interval = 1h;
  EXPECT_EQ(decide_rotation(c, 10, 10, 59min), rotate_reason::none);
  EXPECT_EQ(decide_rotation(c, 10, 10, 1h), rotate_reason::age);
  EXPECT_EQ(decide_rotation(c, 0, 10, 2h), rotate_reason::none) << "an empty file is never rotated";
}

TEST(FileRotationPure, NamesCarryTheUtcTimeAndKeepTheExtension) {
  const auto t = utc(2024, 5, 1, 13, 4, 5, 67);
  EXPECT_EQ(rotated_file_name("/var/log/sf/audit.ndjson", t, 0),
            "/var/log/sf/audit-20240501T130405.067Z.ndjson");
  EXPECT_EQ(rotated_file_name("/var/log/sf/audit.ndjson", t, 2),
            "/var/log/sf/audit-20240501T130405.067Z.2.ndjson");
  EXPECT_EQ(rotated_file_name("d/audit.ndjson.zst", t, 0), "d/audit-20240501T130405.067Z.ndjson.zst");
  EXPECT_EQ(rotated_file_name("audit", t, 0), "audit-20240501T130405.067Z");
  EXPECT_EQ(rotated_file_name("/x/.hidden", t, 0), "/x/.hidden-20240501T130405.067Z");
  EXPECT_EQ(rotated_file_name("/x/a.b.log", t, 0), "/x/a.b-20240501T130405.067Z.log");
}

TEST(FileRotationPure, NamesSortByTime) {
  // Across milliseconds, seconds, days, months and years, and past the 2038 boundary of 32-bit time.
  const std::vector<std::chrono::system_clock::time_point> times = {
      utc(2023, 12, 31, 23, 59, 59, 999), utc(2024, 1, 1, 0, 0, 0, 0),  utc(2024, 1, 1, 0, 0, 0, 1),
      utc(2024, 1, 1, 0, 0, 9, 0),        utc(2024, 1, 1, 0, 0, 10, 0), utc(2024, 1, 9, 0, 0, 0, 0),
      utc(2024, 1, 10, 0, 0, 0, 0),       utc(2024, 10, 1, 0, 0, 0, 0), utc(2039, 1, 1, 0, 0, 0, 0)};
  std::vector<std::string> names;
  for (auto t : times) names.push_back(rotated_file_name("/d/audit.ndjson", t, 0).string());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "all distinct";
}

TEST(FileRotation, BySizeKeepsBatchesWholeAndEveryFileWithinTheLimit) {
  temp_dir d;
  const fs::path p = d.path() / "out" / "audit.ndjson";
  asio::io_context io;
  const std::size_t batch_bytes = make_batch(0, 10).ndjson().size();
  const std::uint64_t limit = 3 * batch_bytes + batch_bytes / 2;  // three batches fit, a fourth does not
  file_sink sink("files", rotating(p, limit), io.get_executor());
  constexpr int batches = 20;
  for (int i = 0; i < batches; ++i) ASSERT_EQ(run(io, sink.deliver(make_batch(i * 10, 10))).stored, 10u);

  const auto files = files_in_order(p);
  ASSERT_EQ(files.size(), 7u) << "3+3+3+3+3+3+2 batches";
  EXPECT_EQ(sink.counters().files_rotated, 6u);
  std::vector<int> all;
  for (const auto& f : files) {
    const std::string text = slurp(f);
    EXPECT_LE(text.size(), limit) << f;
    const auto ids = event_numbers(text);
    ASSERT_FALSE(ids.empty()) << f;
    // Whole batches only: each file starts at a batch boundary and holds a multiple of ten events.
    EXPECT_EQ(ids.front() % 10, 0) << f;
    EXPECT_EQ(ids.size() % 10, 0u) << f;
    all.insert(all.end(), ids.begin(), ids.end());
    if (f != p) {
      EXPECT_THAT(f.filename().string(),
                  ::testing::MatchesRegex(R"(audit-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z\.ndjson)"));
    }
  }
  std::vector<int> expected(batches * 10);
  for (int i = 0; i < batches * 10; ++i) expected[i] = i;
  EXPECT_EQ(all, expected) << "every event once, and name order is write order";
}

TEST(FileRotation, ABatchLargerThanTheLimitGoesAloneIntoItsOwnFile) {
  temp_dir d;
  const fs::path p = d.path() / "audit.ndjson";
  asio::io_context io;
  file_sink sink("files", rotating(p, 2048), io.get_executor());
  const event_batch small1 = make_batch(0, 2), big = make_batch(2, 50, 200), small2 = make_batch(52, 2);
  ASSERT_GT(big.ndjson().size(), 2048u);
  run(io, sink.deliver(small1));
  run(io, sink.deliver(big));
  run(io, sink.deliver(small2));
  const auto files = files_in_order(p);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(slurp(files[0]), small1.ndjson());
  EXPECT_EQ(slurp(files[1]), big.ndjson()) << "the big batch is whole and alone";
  EXPECT_EQ(slurp(files[2]), small2.ndjson());
}

TEST(FileRotation, ByAgeAtTheFirstBatchAfterTheInterval) {
  temp_dir d;
  const fs::path p = d.path() / "audit.ndjson";
  asio::io_context io;
  file_sink sink("files", rotating(p, 0, 400ms), io.get_executor());
  const event_batch a = make_batch(0, 3), b = make_batch(3, 3), c = make_batch(6, 3);
  run(io, sink.deliver(a));
  run(io, sink.deliver(b));
  EXPECT_EQ(files_in_order(p).size(), 1u) << "younger than the interval: no rotation";
  std::this_thread::sleep_for(450ms);
  run(io, sink.deliver(c));
  const auto files = files_in_order(p);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(slurp(files[0]), std::string(a.ndjson()) + std::string(b.ndjson()));
  EXPECT_EQ(slurp(files[1]), c.ndjson());
  EXPECT_EQ(files[1], p);
}

TEST(FileRotation, AgeOfAnExistingFileCountsAcrossARestart) {
  temp_dir d;
  const fs::path p = d.path() / "audit.ndjson";
  {
    struct statx stx {};
    std::ofstream(d.path() / "probe") << "x";
    if (::statx(AT_FDCWD, (d.path() / "probe").c_str(), 0, STATX_BTIME, &stx) != 0 ||
        (stx.stx_mask & STATX_BTIME) == 0)
      GTEST_SKIP() << "this file system keeps no creation time";
    fs::remove(d.path() / "probe");
  }
  asio::io_context io;
  {
    file_sink first("files", rotating(p, 0, 1s), io.get_executor());
    run(io, first.deliver(make_batch(0, 3)));
  }
  std::this_thread::sleep_for(1100ms);
  file_sink second("files", rotating(p, 0, 1s), io.get_executor());
  run(io, second.deliver(make_batch(3, 3)));
  const auto files = files_in_order(p);
  ASSERT_EQ(files.size(), 2u) << "a restart does not make an old file young again";
  EXPECT_EQ(event_numbers(slurp(files[0])), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(event_numbers(slurp(files[1])), (std::vector<int>{3, 4, 5}));
}

TEST(FileRotation, ZstdRotatedFilesEachReadBackWithZstdcat) {
  temp_dir d;
  const fs::path p = d.path() / "audit.ndjson.zst";
  asio::io_context io;
  file_sink_config cfg = zstd_config(p);
  cfg.rotate_bytes = 1024;  // compressed size counts: a few batches per file
  file_sink sink("files", cfg, io.get_executor());
  for (int i = 0; i < 30; ++i) run(io, sink.deliver(make_batch(i * 10, 10, 120)));
  const auto files = files_in_order(p);
  ASSERT_GE(files.size(), 3u);
  std::vector<int> all;
  for (const auto& f : files) {
    const std::string text = zstdcat(f);
    ASSERT_THAT(text, ::testing::Not(HasSubstr("<zstdcat failed>"))) << f;
    EXPECT_EQ(text, decompress_all(slurp(f))) << f;
    const auto ids = event_numbers(text);
    EXPECT_EQ(ids.size() % 10, 0u) << f;
    all.insert(all.end(), ids.begin(), ids.end());
    if (f != p) {
      EXPECT_THAT(f.filename().string(), ::testing::EndsWith(".ndjson.zst"));
    }
  }
  ASSERT_EQ(all.size(), 300u);
  for (int i = 0; i < 300; ++i) ASSERT_EQ(all[i], i);
}

TEST(FileRotation, ACrashBetweenRenameAndOpenLosesNothing) {
  temp_dir d;
  const fs::path p = d.path() / "audit.ndjson";
  asio::io_context io;
  const event_batch a = make_batch(0, 5), b = make_batch(5, 5);
  {
    file_sink sink("files", rotating(p, 1024), io.get_executor());
    run(io, sink.deliver(a));
  }
  // What a crash right after the rename leaves: the data under a rotated name and nothing at the path.
  const fs::path rotated = rotated_file_name(p, std::chrono::system_clock::now(), 0);
  fs::rename(p, rotated);
  file_sink sink("files", rotating(p, 1024), io.get_executor());
  run(io, sink.deliver(b));
  EXPECT_EQ(slurp(rotated), a.ndjson());
  EXPECT_EQ(slurp(p), b.ndjson());
}

TEST(FileRotation, FileMovedAwayWithoutSighupIsLetGoAtRotation) {
  temp_dir d;
  const fs::path p = d.path() / "audit.ndjson";
  asio::io_context io;
  file_sink sink("files", rotating(p, 1024), io.get_executor());
  const event_batch a = make_batch(0, 8), b = make_batch(8, 8);
  run(io, sink.deliver(a));
  fs::rename(p, d.path() / "taken");
  run(io, sink.deliver(b));  // would overflow: the rotation finds the path gone and starts a new file
  EXPECT_EQ(slurp(d.path() / "taken"), a.ndjson());
  EXPECT_EQ(slurp(p), b.ndjson());
}

// Someone moved our file away and put another at the path: rotation renames that one aside like our own,
// and a write that fails right after it is cut back in the new file only. Every file keeps its bytes.
TEST(FileRotation, AFailedBatchRightAfterRotatingLeavesEveryOtherFileWhole) {
  REQUIRE_TEST_HOOKS();
  temp_dir d;
  const fs::path p = d.path() / "audit.ndjson";
  const fs::path flag = d.path() / "disk-full";
  fail_writes_scope fail(d.path(), flag);
  asio::io_context io;
  sf::ops::sink_telemetry seen;
  failed_write_hook hook(seen, [&](std::uint64_t) { fs::remove(flag); });  // room again after one failure
  file_sink sink("files", rotating(p, 1024), io.get_executor(), fast_retries());
  sink.set_observer(hook);
  const event_batch a = make_batch(0, 8), b = make_batch(8, 8);
  run(io, sink.deliver(a));
  fs::rename(p, d.path() / "taken");
  const std::string theirs = "{\"theirs\":1}\n";
  append_raw(p, theirs);
  append_raw(flag, "");  // the next write fails half-way
  EXPECT_EQ(run(io, sink.deliver(b)).stored, 8u);
  EXPECT_GE(sink.counters().write_errors, 1u);
  EXPECT_EQ(slurp(d.path() / "taken"), a.ndjson());
  EXPECT_EQ(slurp(p), b.ndjson());
  std::vector<std::string> rotated;
  for (const auto& e : fs::directory_iterator(d.path()))
    if (e.path().filename().string().rfind("audit-", 0) == 0) rotated.push_back(slurp(e.path()));
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(rotated[0], theirs);
}

TEST(FileRotation, ReopenThroughTheSinkContractWritesToANewFileAtThePath) {
  temp_dir d;
  const fs::path p = d.path() / "audit.ndjson";
  asio::io_context io;
  file_sink fsink("files", plain(p), io.get_executor());
  sf::sinks::sink& sink = fsink;
  const event_batch a = make_batch(0, 3), b = make_batch(3, 3);
  run(io, sink.deliver(a));
  fs::rename(p, d.path() / "audit.ndjson.1");  // logrotate's create mode, then SIGHUP
  run(io, sink.reopen());
  run(io, sink.deliver(b));
  EXPECT_EQ(slurp(d.path() / "audit.ndjson.1"), a.ndjson());
  EXPECT_EQ(slurp(p), b.ndjson());
}
