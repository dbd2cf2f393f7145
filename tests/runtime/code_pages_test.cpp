// The read-only file mappings read from /proc/self/maps, and the advice that gives their pages back after a
// catch-up.
#include "daemon/runtime/code_pages.hpp"

#include <gtest/gtest.h>

#include <sys/utsname.h>

#include <cstdio>
#include <string>

namespace rt = sf::runtime;

TEST(CodePages, OnlyReadOnlyMappingsOfFilesAreTaken) {
  const std::string maps =
      "55d0c1a00000-55d0c1a40000 r--p 00000000 fd:01 1048 /usr/bin/scaleft-forwarder\n"
      "55d0c1a40000-55d0c1d10000 r-xp 00040000 fd:01 1048 /usr/bin/scaleft-forwarder\n"
      "55d0c1e00000-55d0c1e10000 rw-p 00400000 fd:01 1048 /usr/bin/scaleft-forwarder\n"
      "55d0c3000000-55d0c3100000 rw-p 00000000 00:00 0                          [heap]\n"
      "7f00a0000000-7f00a0021000 r-xp 00000000 00:00 0 \n"
      "7f00a0100000-7f00a0121000 r--p 00000000 00:00 0 \n"
      "7f00a1000000-7f00a1170000 r-xp 00028000 fd:01 2100 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7f00a2000000-7f00a2001000 rwxp 00000000 fd:01 2200 /usr/lib/x86_64-linux-gnu/libodd.so\n"
      "7f00a2100000-7f00a2101000 rw-s 00000000 fd:01 2201 /dev/shm/shared\n"
      "7f00a2200000-7f00a2201000 r--s 00000000 fd:01 2202 /dev/shm/shared-read-only\n"
      "7ffd1e3f0000-7ffd1e3f2000 r-xp 00000000 00:00 0                          [vdso]\n"
      "7ffd1e3f4000-7ffd1e3f6000 r--p 00000000 00:00 0                          [vvar]\n"
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
      "not a maps line\n"
      "7f00a3000000-7f00a2000000 r-xp 00000000 fd:01 2300 /usr/lib/backwards.so\n"
      "7f00a4000000-7f00a4010000 r-xp 00000000 fd:01 2400 /tmp/a name with spaces.so";
  const auto taken = rt::read_only_file_mappings(maps);
  ASSERT_EQ(taken.size(), 4u);
  EXPECT_EQ(taken[0].range.begin, 0x55d0c1a00000u);  // the binary's headers and tables
  EXPECT_EQ(taken[0].range.end, 0x55d0c1a40000u);
  EXPECT_EQ(taken[1].range.begin, 0x55d0c1a40000u);  // its text
  EXPECT_EQ(taken[1].range.end, 0x55d0c1d10000u);
  EXPECT_EQ(taken[2].range.begin, 0x7f00a1000000u);
  EXPECT_EQ(taken[2].range.end, 0x7f00a1170000u);
  EXPECT_EQ(taken[3].range.begin, 0x7f00a4000000u);
  EXPECT_TRUE(rt::read_only_file_mappings("").empty());
  for (const auto& m : taken) EXPECT_FALSE(m.clean);  // maps has no fields: nothing is known clean
}

// In smaps each mapping's fields follow its line: a mapping is clean only when it has no anonymous, dirty
// private or swapped pages; fields of a mapping that is not taken never count for the one above it.
TEST(CodePages, SmapsFieldsTellWhichMappingsAreClean) {
  const std::string smaps =
      "55d0c1a40000-55d0c1d10000 r-xp 00040000 fd:01 1048 /usr/bin/scaleft-forwarder\n"
      "Size:               2880 kB\n"
      "Rss:                1784 kB\n"
      "Private_Dirty:         0 kB\n"
      "Anonymous:             0 kB\n"
      "Swap:                  0 kB\n"
      "VmFlags: rd ex mr mw me sd\n"
      "7f00a0000000-7f00a0040000 r--p 00300000 fd:01 2100 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n"
      "Private_Dirty:       256 kB\n"
      "Anonymous:           256 kB\n"
      "Swap:                  0 kB\n"
      "7f00a0100000-7f00a0140000 r--p 00340000 fd:01 2100 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n"
      "Private_Dirty:         0 kB\n"
      "Anonymous:             0 kB\n"
      "Swap:                 12 kB\n"
      "7f00a0200000-7f00a0240000 r--p 00000000 fd:01 2200 /usr/lib/x86_64-linux-gnu/libfmt.so.9\n"
      "Anonymous:             0 kB\n"
      "7f00a0300000-7f00a0340000 rw-p 00040000 fd:01 2200 /usr/lib/x86_64-linux-gnu/libfmt.so.9\n"
      "Private_Dirty:         0 kB\n"
      "Anonymous:             0 kB\n"
      "Swap:                  0 kB\n";
  const auto taken = rt::read_only_file_mappings(smaps);
  ASSERT_EQ(taken.size(), 4u);
  EXPECT_TRUE(taken[0].clean);
  EXPECT_FALSE(taken[1].clean);  // relocated data: copied on write
  EXPECT_FALSE(taken[2].clean);  // a private page in swap
  EXPECT_FALSE(taken[3].clean);  // fields missing; the rw-p mapping's zeros after it do not count
  EXPECT_EQ(taken[3].range.begin, 0x7f00a0200000u);
}

// This process's own text, constants and libraries are advised, and it goes on running code afterwards (each
// page it needs faults back in).
// The process's resident pages that map files (statm's third field, `shared`: RssFile + RssShmem).
long resident_file_pages() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, resident = 0, shared = -1;
  if (std::fscanf(f, "%ld %ld %ld", &size, &resident, &shared) != 3) shared = -1;
  std::fclose(f);
  return shared;
}

TEST(CodePages, TheKernelTakesTheAdviceForThisProcessesCode) {
  utsname u{};
  ASSERT_EQ(uname(&u), 0);
  int major = 0, minor = 0;
  ASSERT_EQ(std::sscanf(u.release, "%d.%d", &major, &minor), 2) << u.release;
  if (major < 5 || (major == 5 && minor < 4)) GTEST_SKIP() << "MADV_PAGEOUT needs Linux 5.4: " << u.release;
  const long before = resident_file_pages();
  const std::size_t first = rt::release_idle_file_pages();
  const long after = resident_file_pages();
  EXPECT_GE(first, 2u);  // at least the test binary and libc
  // The mapped file pages left this process (DONTNEED works for any user, PAGEOUT for the files' owner);
  // what ran since faulted back.
  EXPECT_LT(after, before / 2) << before << " -> " << after << " pages";
  EXPECT_EQ(rt::release_idle_file_pages(), first);  // code still runs, and the same mappings are there
}
