// Creating and checking the state directory; writing secret files into it.
#include "daemon/state/state_dir.hpp"

#include "common/log/logger.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::state {

namespace {

// The errno-free failures still get a code, so callers can tell them apart without parsing text.
prepared_dir failed(std::errc code, std::string message) {
  prepared_dir out;
  out.result = file_error{std::make_error_code(code), std::move(message)};
  return out;
}
prepared_dir failed(int err, std::string message) {
  prepared_dir out;
  out.result = file_error{std::error_code(err, std::generic_category()), std::move(message)};
  return out;
}

}  // namespace

prepared_dir prepare_state_dir(const std::filesystem::path& path) {
  if (path.empty()) return failed(std::errc::invalid_argument, "state_dir is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOTDIR) {
      return failed(err,
                    fmt::format("cannot use state directory {}: part of that path is a file, not a directory",
                                path.string()));
    }
    if (err != ENOENT) {
      return failed(err, fmt::format("cannot use state directory {}: {}", path.string(), std::strerror(err)));
    }
    if (status s = make_directories(path, state_dir_mode); !s) {
      return failed(s.error().code.value(), "cannot create state directory: " + s.error().message);
    }
    if (::stat(path.c_str(), &st) != 0) {
      const int err2 = errno;
      return failed(err2,
                    fmt::format("cannot use state directory {}: {}", path.string(), std::strerror(err2)));
    }
  }
  if (!S_ISDIR(st.st_mode)) {
    return failed(std::errc::not_a_directory,
                  fmt::format("state directory {} exists but is not a directory", path.string()));
  }
  prepared_dir out;
  // The umask may have left a new directory looser than asked, and an old one may have been loosened by
  // hand: either way other local users must not read the checkpoint or secrets.
  const mode_t current = st.st_mode & 07777;
  if (current != state_dir_mode) {
    if (::chmod(path.c_str(), state_dir_mode) != 0) {
      const int err = errno;
      return failed(
          err, fmt::format("state directory {} has permissions {:04o} and cannot be tightened to 0700: {}",
                           path.string(), current, std::strerror(err)));
    }
    out.note = fmt::format("tightened permissions of state directory {} from {:04o} to 0700", path.string(),
                           current);
    log::warn("state directory permissions tightened",
              {{"path", path.string()}, {"from", fmt::format("{:04o}", current)}, {"to", "0700"}});
  }
  // access(W_OK) lies for root and ignores read-only mounts: creating a file is the real test.
  std::string probe = (path / ".write-probe.XXXXXX").string();
  const int fd = ::mkostemp(probe.data(), O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return failed(err, fmt::format("state directory {} is not writable by this process (uid {}): {}",
                                   path.string(), ::geteuid(), std::strerror(err)));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return out;
}

status write_secret_file(const std::filesystem::path& path, std::string_view bytes) {
  return write_file_atomically(path, bytes, secret_file_mode);
}

}  // namespace sf::state
