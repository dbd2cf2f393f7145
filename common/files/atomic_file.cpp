// Crash-safe file replacement and small-file reads, with errors that name the file and the failed step.
#include "common/files/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace sf::state {
namespace {

file_error make_error(int err, std::string_view step, const std::filesystem::path& path) {
  std::string msg;
  msg.reserve(96);
  msg.append(step).append(" ").append(path.string()).append(": ").append(std::strerror(err));
  return {std::error_code(err, std::generic_category()), std::move(msg)};
}

// Closes a descriptor on every path out of a function.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close() returned (NFS reports write errors there).
  int close_now() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Writes all of `bytes`, retrying short writes and EINTR. Returns 0 or an errno value.
int write_all(int fd, std::string_view bytes, std::string_view path) {
  std::size_t limit = bytes.size();
  int injected = 0;
  if (test_fail_write(path)) {
    limit = bytes.size() / 2;  // a full disk accepts part of the data, then says ENOSPC
    injected = ENOSPC;
  }
  const char* p = bytes.data();
  std::size_t left = limit;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return injected;
}

}  // namespace

bool test_fail_write(std::string_view path) {
#ifdef SF_TEST_HOOKS
  const char* pattern = std::getenv("SF_TEST_FAIL_WRITES");
  if (pattern == nullptr || *pattern == '\0' || path.find(pattern) == std::string_view::npos) return false;
  const char* flag = std::getenv("SF_TEST_FAIL_WRITES_WHILE");
  if (flag == nullptr || *flag == '\0') return true;
  struct stat st {};
  return ::stat(flag, &st) == 0;
#else
  (void)path;
  return false;
#endif
}

std::string temp_file_prefix(const std::filesystem::path& target) {
  return "." + target.filename().string() + ".tmp.";
}

status write_file_atomically(const std::filesystem::path& target, std::string_view bytes, mode_t mode) {
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  std::string tmp = (dir / (temp_file_prefix(target) + "XXXXXX")).string();
  fd_guard fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.get() < 0) return make_error(errno, "cannot create a temp file in", dir);
  const std::filesystem::path tmp_path(tmp);

  // From here on, any failure removes the temp file: the target was never touched.
  auto fail = [&](int err, std::string_view step) -> status {
    file_error e = make_error(err, step, tmp_path);
    e.message.append(" (").append(target.string()).append(" left unchanged)");
    ::unlink(tmp.c_str());
    return e;
  };
  // mkostemp creates 0600 and the umask would not apply to fchmod: the mode is exactly what was asked.
  if (::fchmod(fd.get(), mode) != 0) return fail(errno, "cannot set permissions of");
  if (const int err = write_all(fd.get(), bytes, target.string()); err != 0) return fail(err, "cannot write");
  if (::fsync(fd.get()) != 0) return fail(errno, "cannot fsync");
  if (fd.close_now() != 0) return fail(errno, "cannot close");
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return make_error(err, "cannot rename a temp file over", target);
  }
  // The rename is durable only once the directory entry is on disk.
  fd_guard dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) return make_error(errno, "cannot open directory", dir);
  if (::fsync(dfd.get()) != 0) return make_error(errno, "cannot fsync directory", dir);
  return {};
}

read_result read_small_file(const std::filesystem::path& path, std::size_t limit) {
  read_result r;
  fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    r.error = make_error(errno, "cannot open", path);
    return r;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    r.error = make_error(errno, "cannot stat", path);
    return r;
  }
  if (!S_ISREG(st.st_mode)) {
    r.error = make_error(EINVAL, "cannot read", path);
    r.error.message = "cannot read " + path.string() + ": it is not a regular file";
    return r;
  }
  if (static_cast<std::uint64_t>(st.st_size) > limit) {
    r.error = make_error(EFBIG, "cannot read", path);
    r.error.message = "cannot read " + path.string() + ": it is " + std::to_string(st.st_size) +
                      " bytes, more than the " + std::to_string(limit) + " expected at most";
    return r;
  }
  r.bytes.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  // Read until EOF, not just st_size: the size is only a hint if the file changes under us.
  while (true) {
    if (got == r.bytes.size()) {
      if (r.bytes.size() >= limit + 1) break;
      r.bytes.resize(std::min(limit + 1, r.bytes.size() + 4096));
    }
    const ssize_t n = ::read(fd.get(), r.bytes.data() + got, r.bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = make_error(errno, "cannot read", path);
      r.bytes.clear();
      return r;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > limit) {
    r.error = make_error(EFBIG, "cannot read", path);
    r.error.message = "cannot read " + path.string() + ": it grew past the " + std::to_string(limit) +
                      " bytes expected at most";
    r.bytes.clear();
    return r;
  }
  r.bytes.resize(got);
  return r;
}

std::size_t remove_stale_temp_files(const std::filesystem::path& target) {
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  const std::string prefix = temp_file_prefix(target);
  std::size_t removed = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0) {
      if (::unlink(it->path().c_str()) == 0) ++removed;
    }
  }
  return removed;
}

status make_directories(const std::filesystem::path& path, mode_t mode) {
  std::filesystem::path partial;
  for (const auto& part : path) {
    partial /= part;
    if (part.empty() || part == "/") continue;
    if (::mkdir(partial.c_str(), mode) == 0) continue;
    const int err = errno;
    struct stat st {};
    if (err == EEXIST && ::stat(partial.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) continue;
      file_error e = make_error(ENOTDIR, "cannot create directory", path);
      e.message = "cannot create directory " + path.string() + ": " + partial.string() +
                  " exists and is not a directory";
      return e;
    }
    return make_error(err, "cannot create directory", partial);
  }
  return {};
}

}  // namespace sf::state
