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
  EXPECT_EQ(taken[0].begin, 0x55d0c1a00000u);  // the binary's headers and tables
  EXPECT_EQ(taken[0].end, 0x55d0c1a40000u);
  EXPECT_EQ(taken[1].begin, 0x55d0c1a40000u);  // its text
  EXPECT_EQ(taken[1].end, 0x55d0c1d10000u);
  EXPECT_EQ(taken[2].begin, 0x7f00a1000000u);
  EXPECT_EQ(taken[2].end, 0x7f00a1170000u);
  EXPECT_EQ(taken[3].begin, 0x7f00a4000000u);
  EXPECT_TRUE(rt::read_only_file_mappings("").empty());
}

// This process's own text, constants and libraries are advised, and it goes on running code afterwards (each
// page it needs faults back in).
TEST(CodePages, TheKernelTakesTheAdviceForThisProcessesCode) {
  utsname u{};
  ASSERT_EQ(uname(&u), 0);
  int major = 0, minor = 0;
  ASSERT_EQ(std::sscanf(u.release, "%d.%d", &major, &minor), 2) << u.release;
  if (major < 5 || (major == 5 && minor < 4)) GTEST_SKIP() << "MADV_PAGEOUT needs Linux 5.4: " << u.release;
  const std::size_t first = rt::release_idle_file_pages();
  EXPECT_GE(first, 2u);  // at least the test binary and libc
  EXPECT_EQ(rt::release_idle_file_pages(), first);  // code still runs, and the same mappings are there
}
