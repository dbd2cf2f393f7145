// The code mappings read from /proc/self/maps, and the advice that gives their pages back after a catch-up.
#include "daemon/runtime/code_pages.hpp"

#include <gtest/gtest.h>

#include <sys/utsname.h>

#include <cstdio>
#include <string>

namespace rt = sf::runtime;

TEST(CodePages, OnlyExecutableMappingsOfFilesAreCode) {
  const std::string maps =
      "55d0c1a00000-55d0c1a40000 r--p 00000000 fd:01 1048 /usr/bin/scaleft-forwarder\n"
      "55d0c1a40000-55d0c1d10000 r-xp 00040000 fd:01 1048 /usr/bin/scaleft-forwarder\n"
      "55d0c1e00000-55d0c1e10000 rw-p 00400000 fd:01 1048 /usr/bin/scaleft-forwarder\n"
      "55d0c3000000-55d0c3100000 rw-p 00000000 00:00 0                          [heap]\n"
      "7f00a0000000-7f00a0021000 r-xp 00000000 00:00 0 \n"
      "7f00a1000000-7f00a1170000 r-xp 00028000 fd:01 2100 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7f00a2000000-7f00a2001000 rwxp 00000000 fd:01 2200 /usr/lib/x86_64-linux-gnu/libodd.so\n"
      "7ffd1e3f0000-7ffd1e3f2000 r-xp 00000000 00:00 0                          [vdso]\n"
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
      "not a maps line\n"
      "7f00a3000000-7f00a2000000 r-xp 00000000 fd:01 2300 /usr/lib/backwards.so\n"
      "7f00a4000000-7f00a4010000 r-xp 00000000 fd:01 2400 /tmp/a name with spaces.so";
  const auto code = rt::code_mappings(maps);
  ASSERT_EQ(code.size(), 3u);
  EXPECT_EQ(code[0].begin, 0x55d0c1a40000u);
  EXPECT_EQ(code[0].end, 0x55d0c1d10000u);
  EXPECT_EQ(code[1].begin, 0x7f00a1000000u);
  EXPECT_EQ(code[1].end, 0x7f00a1170000u);
  EXPECT_EQ(code[2].begin, 0x7f00a4000000u);
  EXPECT_TRUE(rt::code_mappings("").empty());
}

// This process's own text and libraries are advised, and it goes on running code afterwards (each page it
// needs faults back in).
TEST(CodePages, TheKernelTakesTheAdviceForThisProcessesCode) {
  utsname u{};
  ASSERT_EQ(uname(&u), 0);
  int major = 0, minor = 0;
  ASSERT_EQ(std::sscanf(u.release, "%d.%d", &major, &minor), 2) << u.release;
  if (major < 5 || (major == 5 && minor < 4)) GTEST_SKIP() << "MADV_PAGEOUT needs Linux 5.4: " << u.release;
  const std::size_t first = rt::release_idle_code();
  EXPECT_GE(first, 2u);  // at least the test binary and libc
  EXPECT_EQ(rt::release_idle_code(), first);  // code still runs, and the same mappings are there
}
