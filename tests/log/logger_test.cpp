// The logger: JSON and text records, journald priority prefixes and recognising the journal stream.
#include "common/log/logger.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

using namespace sf::log;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

TEST(LoggerRender, TextUnderJournaldCarriesThePriorityOfEachLevel) {
  EXPECT_THAT(render(level::error, "boom", {}, format::text, true), StartsWith("<3>"));
  EXPECT_THAT(render(level::warn, "w", {}, format::text, true), StartsWith("<4>"));
  EXPECT_THAT(render(level::info, "i", {}, format::text, true), StartsWith("<6>"));
  EXPECT_THAT(render(level::debug, "d", {}, format::text, true), StartsWith("<7>"));
  const std::string line = render(level::warn, "slow down", {{"retry_in", "5s"}}, format::text, true);
  EXPECT_THAT(line, MatchesRegex("<4>[0-9-]+T[0-9:.]+Z warn  slow down retry_in=5s\n"));
}

TEST(LoggerRender, TextOutsideJournaldHasNoPrefix) {
  const std::string line = render(level::error, "boom", {}, format::text, false);
  EXPECT_THAT(line, MatchesRegex("[0-9-]+T[0-9:.]+Z error boom\n"));
}

TEST(LoggerRender, JsonNeverCarriesAPrefix) {
  const std::string line = render(level::error, "bad \"input\"", {{"n", 3}}, format::json, true);
  EXPECT_THAT(line, StartsWith("{\"time\":\""));
  EXPECT_THAT(line, HasSubstr("\"level\":\"error\",\"msg\":\"bad \\\"input\\\"\",\"n\":3}\n"));
}

TEST(JournalStream, MatchesOnlyTheDeviceAndInodeOfStderr) {
  EXPECT_TRUE(is_journal_stream("8:12345", 8, 12345));
  EXPECT_FALSE(is_journal_stream("8:12345", 8, 12346));
  EXPECT_FALSE(is_journal_stream("9:12345", 8, 12345));
  EXPECT_FALSE(is_journal_stream(nullptr, 8, 12345));
  for (const char* bad : {"", "8", "8:", ":12345", "8:12345x", "x8:12345", "8:-1", "8 :12345"})
    EXPECT_FALSE(is_journal_stream(bad, 8, 12345)) << bad;
}

TEST(JournalStream, APipeIsRecognisedByItsOwnIdentity) {
  // The same check configure() makes on stderr, here on a pipe whose identity we know.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fds[1], &st), 0);
  const std::string env = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  EXPECT_TRUE(is_journal_stream(env.c_str(), st.st_dev, st.st_ino));
  int other[2];
  ASSERT_EQ(::pipe(other), 0);
  struct stat st2 {};
  ASSERT_EQ(::fstat(other[1], &st2), 0);
  EXPECT_FALSE(is_journal_stream(env.c_str(), st2.st_dev, st2.st_ino));
  for (int fd : {fds[0], fds[1], other[0], other[1]}) ::close(fd);
}
