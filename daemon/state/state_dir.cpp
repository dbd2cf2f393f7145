// Creating and checking the state directory; writing secret files into it.
#include "daemon/state/state_dir.hpp"

#include "daemon/log/logger.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sf::state {

std::string prepare_state_dir(const std::filesystem::path& path, std::string* note) {
  if (path.empty()) {
    return "state_dir is empty";
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOTDIR) {
      return fmt::format("cannot use state directory {}: part of that path is a file, not a directory",
                         path.string());
    }
    if (errno != ENOENT) {
      const int err = errno;
      return fmt::format("cannot use state directory {}: {}", path.string(), std::strerror(err));
    }
    if (status s = make_directories(path, state_dir_mode); !s) {
      return "cannot create state directory: " + s.error().message;
    }
    if (::stat(path.c_str(), &st) != 0) {
      const int err = errno;
      return fmt::format("cannot use state directory {}: {}", path.string(), std::strerror(err));
    }
  }
  if (!S_ISDIR(st.st_mode)) {
    return fmt::format("state directory {} exists but is not a directory", path.string());
  }
  // The umask may have left a new directory looser than asked, and an old one may have been loosened by
  // hand: either way other local users must not read the checkpoint or secrets.
  const mode_t current = st.st_mode & 07777;
  if (current != state_dir_mode) {
    if (::chmod(path.c_str(), state_dir_mode) != 0) {
      const int err = errno;
      return fmt::format(
          "state directory {} has permissions {:04o} and cannot be tightened to "
          "0700: {}",
          path.string(), current, std::strerror(err));
    }
    if (note)
      *note = fmt::format("tightened permissions of state directory {} from {:04o} to 0700", path.string(),
                          current);
    log::warn("state directory permissions tightened",
              {{"path", path.string()}, {"from", fmt::format("{:04o}", current)}, {"to", "0700"}});
  }
  // access(W_OK) lies for root and ignores read-only mounts: creating a file is the real test.
  std::string probe = (path / ".write-probe.XXXXXX").string();
  const int fd = ::mkostemp(probe.data(), O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return fmt::format("state directory {} is not writable by this process (uid {}): {}", path.string(),
                       ::geteuid(), std::strerror(err));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

status write_secret_file(const std::filesystem::path& path, std::string_view bytes) {
  return write_file_atomically(path, bytes, secret_file_mode);
}

}  // namespace sf::state
