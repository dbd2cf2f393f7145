// The file sink's page_cache setting: with drop, a batch's pages leave the kernel's page cache once
// fdatasync has them on disk (all but the last, partial page); with keep, or without fsync, they stay.
// Residency is read with mincore() on a mapping of the file, which does not fault pages in.
#include "tests/file_sink/file_sink_test_support.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace {

struct residency {
  std::size_t pages = 0;
  std::size_t resident = 0;
};

residency resident_pages(const fs::path& p) {
  residency r;
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return r;
  const auto size = static_cast<std::size_t>(fs::file_size(p));
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  r.pages = (size + page - 1) / page;
  void* map = r.pages > 0 ? ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
  ::close(fd);
  if (map == MAP_FAILED) return r;
  std::vector<unsigned char> in_core(r.pages);
  if (::mincore(map, size, in_core.data()) == 0)
    for (unsigned char c : in_core) r.resident += c & 1;
  ::munmap(map, size);
  return r;
}

// tmpfs keeps its pages in memory whatever the advice: there is nothing to observe.
bool page_cache_observable(const fs::path& dir) {
  struct statfs s {};
  return ::statfs(dir.c_str(), &s) == 0 && s.f_type != TMPFS_MAGIC && s.f_type != RAMFS_MAGIC;
}

// Three batches of about 90 KB each, delivered through a sink with `cfg`; returns the file's text.
std::string deliver_three(const file_sink_config& cfg, const fs::path& p) {
  asio::io_context io;
  file_sink sink("files", cfg, io.get_executor());
  std::string expected;
  for (int i = 0; i < 3; ++i) {
    const event_batch b = make_batch(i * 1000, 1000, 40);
    EXPECT_EQ(run(io, sink.deliver(b)).stored, 1000u);
    expected += b.ndjson();
  }
  return expected;
}

}  // namespace

TEST(FileSinkPageCache, DropLeavesOnlyTheLastPartialPageCachedAndTheDataOnDisk) {
  temp_dir d;
  if (!page_cache_observable(d.path())) GTEST_SKIP() << "the test folder is on tmpfs";
  const fs::path p = d.path() / "events.ndjson";
  file_sink_config cfg = plain(p);
  ASSERT_EQ(cfg.page_cache, file_sink_config::page_cache_policy::drop);  // the default
  const std::string expected = deliver_three(cfg, p);
  const residency r = resident_pages(p);
  ASSERT_GE(r.pages, 4u);  // ~270 KB: 66 pages of 4 KiB, 5 of 64 KiB
  // The last page, partly filled, stays for the next batch's write; every whole page before it went.
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(r.resident, expected.size() % page != 0 ? 1u : 0u) << "of " << r.pages << " pages";
  EXPECT_EQ(slurp(p), expected);  // read back from the disk
}

TEST(FileSinkPageCache, KeepAndNoFsyncLeaveThePagesCached) {
  temp_dir d;
  if (!page_cache_observable(d.path())) GTEST_SKIP() << "the test folder is on tmpfs";
  const fs::path kept = d.path() / "kept.ndjson";
  file_sink_config cfg = plain(kept);
  cfg.page_cache = file_sink_config::page_cache_policy::keep;
  std::string expected = deliver_three(cfg, kept);
  residency r = resident_pages(kept);
  ASSERT_GE(r.pages, 4u);
  EXPECT_EQ(r.resident, r.pages);
  EXPECT_EQ(slurp(kept), expected);

  // Without fsync the sink never drops pages, whatever page_cache says: they may not be on disk yet.
  const fs::path unsynced = d.path() / "unsynced.ndjson";
  cfg = plain(unsynced);
  cfg.fsync = false;
  expected = deliver_three(cfg, unsynced);
  r = resident_pages(unsynced);
  ASSERT_GE(r.pages, 4u);
  EXPECT_EQ(r.resident, r.pages);
  EXPECT_EQ(slurp(unsynced), expected);
}
