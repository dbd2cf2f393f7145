// The dead-letter file: refused documents appended as NDJSON, fsync'd before the batch counts as delivered.
#include "sinks/elasticsearch/dead_letter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::sinks::elasticsearch {

namespace {

std::string errno_text(std::string_view what, const std::filesystem::path& p) {
  return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

// Sanitises a sink name into a file name: nothing that could climb out of the directory.
std::string file_name(std::string_view sink) {
  std::string s;
  for (char c : sink) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    s.push_back(ok ? c : '_');
  }
  if (s.empty() || s[0] == '.') s.insert(s.begin(), '_');
  return s + ".ndjson";
}

}  // namespace

dead_letter_file::dead_letter_file(const std::filesystem::path& state_dir, std::string_view sink_name)
    : dir_(state_dir / "dead-letter"), path_(dir_ / file_name(sink_name)) {}

std::string dead_letter_file::append(std::string_view lines) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    // The state directory itself may be missing when the sink runs alone (tests, tools): create it too.
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return "cannot create " + dir_.string() + ": " + ec.message();
  }
  ::chmod(dir_.c_str(), 0700);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return errno_text("cannot open", path_);
  ::fchmod(fd, 0600);  // whatever the umask or an older file said: documents may hold user names
  struct stat st {};
  ::fstat(fd, &st);
  const off_t start = st.st_size;
  std::string failure;
  std::size_t done = 0;
  while (done < lines.size()) {
    const ssize_t n = ::write(fd, lines.data() + done, lines.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      failure = errno_text("cannot write", path_);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (failure.empty() && ::fsync(fd) != 0) failure = errno_text("cannot fsync", path_);
  if (!failure.empty()) {
    // Never leave half a line: the next append would glue onto it and both lines would be unreadable.
    if (::ftruncate(fd, start) != 0) failure += " (and cannot truncate back)";
  }
  ::close(fd);
  if (failure.empty() && !dir_synced_) {
    // The first time, make the file's directory entry durable too.
    const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      if (::fsync(dfd) == 0) dir_synced_ = true;
      ::close(dfd);
    }
  }
  return failure;
}

}  // namespace sf::sinks::elasticsearch
