// Tests of the process metrics: the /proc parsers on fixed texts (no I/O), the sample, and its rendering.
#include "daemon/ops/process_metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sf::ops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A real /proc/self/stat line, with a command name holding a space and a ')' to show how fields are counted.
constexpr std::string_view stat_line =
    "6767 (scale ft) x) R 6765 6765 1326 0 -1 4194304 99 0 0 0 250 50 0 0 20 0 1 0 1202905 3133440 395 "
    "18446744073709551615 94127168659456 94127168679337 140734928953968 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcStat, FieldsAreCountedAfterTheLastParenthesis) {
  const auto st = parse_proc_stat(stat_line);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->utime_ticks, 250u);
  EXPECT_EQ(st->stime_ticks, 50u);
  EXPECT_EQ(st->starttime_ticks, 1202905u);
  EXPECT_EQ(st->vsize_bytes, 3133440u);
  EXPECT_EQ(st->rss_pages, 395);
}

TEST(ProcStat, TruncatedOrGarbledTextIsRefused) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("6767 (cat R 1 2 3"));      // no closing parenthesis
  EXPECT_FALSE(parse_proc_stat(stat_line.substr(0, 60)));  // cut before rss
  EXPECT_FALSE(parse_proc_stat("1 (a) R 1 1 1 0 -1 0 0 0 0 0 x 0 0 0 20 0 1 0 5 6 7\n"));  // utime "x"
}

TEST(ProcStat, BootTimeAndTheSoftOpenFileLimit) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1796160147\nprocesses 9\n"), 1796160147u);
  EXPECT_FALSE(parse_boot_time("cpu  1 2 3\n"));
  constexpr std::string_view limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 524288               files     \n";
  EXPECT_EQ(parse_max_open_files(limits), 1024u);
  EXPECT_FALSE(
      parse_max_open_files("Max open files            unlimited            unlimited            files\n"));
  EXPECT_FALSE(parse_max_open_files("Max processes 10 10 processes\n"));
}

TEST(ProcessSample, TicksAndPagesBecomeSecondsAndBytes) {
  const auto st = parse_proc_stat(stat_line);
  ASSERT_TRUE(st);
  const auto s = make_process_sample(*st, 1'796'160'147u, 12u, 1024u, 100, 4096);
  EXPECT_DOUBLE_EQ(s.cpu_seconds, 3.0);  // (250 + 50) ticks at 100 Hz
  EXPECT_EQ(s.resident_bytes, 395u * 4096u);
  EXPECT_EQ(s.virtual_bytes, 3133440u);
  ASSERT_TRUE(s.start_time_seconds);
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1'796'160'147.0 + 12029.05);
  const auto text = render_process_metrics(s);
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 3\n"));
  EXPECT_THAT(text, HasSubstr("process_resident_memory_bytes 1617920\n"));
  EXPECT_THAT(text, HasSubstr("process_virtual_memory_bytes 3133440\n"));
  EXPECT_THAT(text, HasSubstr("process_start_time_seconds 1796172176.05\n"));
  EXPECT_THAT(text, HasSubstr("process_open_fds 12\n"));
  EXPECT_THAT(text, HasSubstr("process_max_fds 1024\n"));
}

TEST(ProcessSample, UnknownValuesAreLeftOut) {
  const auto s = make_process_sample(proc_stat{}, std::nullopt, std::nullopt, std::nullopt, 100, 4096);
  const auto text = render_process_metrics(s);
  EXPECT_THAT(text, Not(HasSubstr("process_start_time_seconds")));
  EXPECT_THAT(text, Not(HasSubstr("process_open_fds")));
  EXPECT_THAT(text, Not(HasSubstr("process_max_fds")));
}

TEST(ProcessSample, ThisProcessReadsItsOwnProc) {
  const auto s = read_process_sample();
  ASSERT_TRUE(s) << "/proc/self/stat unreadable";
  EXPECT_GT(s->resident_bytes, 0u);
  EXPECT_GT(s->virtual_bytes, s->resident_bytes);
  ASSERT_TRUE(s->open_fds);
  EXPECT_GE(*s->open_fds, 3u);  // stdin, stdout, stderr at least
  ASSERT_TRUE(s->start_time_seconds);
  EXPECT_GT(*s->start_time_seconds, 1.6e9);
}

}  // namespace
}  // namespace sf::ops
