// A file sink's checks: its directory exists (or can be made), a probe file can be created there and removed,
// the active file (if any) opens for appending, and how much space is free. Nothing is left behind.
#include "daemon/connection_test/probes.hpp"

#include "daemon/connection_test/free_space.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sf::connection_test {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

target_report probe_file(const std::string& sink_name, const config::file_sink_config& cfg) {
  target_report t{sink_name, "file", cfg.path, {}};
  const std::vector<std::string> steps = {"directory", "write", "free space"};
  const fs::path path(cfg.path);
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string hint = "make " + dir.string() + " a directory the forwarder's user may write (sinks[" +
                           sink_name + "].path)";
  std::error_code ec;
  // The sink makes missing directories: then the nearest existing one must take a new directory.
  fs::path existing = dir;
  while (!fs::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path())
    existing = existing.parent_path();
  if (!fs::is_directory(existing, ec)) {
    t.checks.push_back({"directory", check_status::failed, existing.string() + " is not a directory", hint});
    skip_rest(t, steps, "not reached");
    return t;
  }
  if (existing != dir) {
    if (::access(existing.c_str(), W_OK | X_OK) != 0) {
      t.checks.push_back({"directory", check_status::failed,
                          dir.string() + " does not exist and " + existing.string() + " is not writable: " +
                              errno_text(errno),
                          hint});
      skip_rest(t, steps, "not reached");
      return t;
    }
    t.checks.push_back({"directory", check_status::ok,
                        dir.string() + " does not exist yet; the sink makes it in " + existing.string(), ""});
  } else {
    t.checks.push_back({"directory", check_status::ok, dir.string() + " exists", ""});
  }

  // Write where the files will be: the directory itself, or the nearest one that exists.
  const fs::path probe = existing / (".scaleft-forwarder-test-connection." + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    t.checks.push_back(
        {"write", check_status::failed, "cannot create a file in " + existing.string() + ": " + errno_text(errno), hint});
  } else {
    const bool wrote = ::write(fd, "x", 1) == 1;
    const int write_errno = errno;
    ::close(fd);
    ::unlink(probe.c_str());
    if (!wrote) {
      t.checks.push_back({"write", check_status::failed,
                          "cannot write in " + existing.string() + ": " + errno_text(write_errno), hint});
    } else if (fs::exists(path, ec)) {
      // The active file is appended to: it must open for writing as it is (nothing is written to it here).
      const int afd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (afd < 0) {
        t.checks.push_back({"write", check_status::failed,
                            "cannot open " + path.string() + " for appending: " + errno_text(errno),
                            "make " + path.string() + " writable for the forwarder's user"});
      } else {
        ::close(afd);
        t.checks.push_back({"write", check_status::ok,
                            "a probe file was created and removed; " + path.string() + " opens for appending", ""});
      }
    } else {
      t.checks.push_back({"write", check_status::ok, "a probe file was created and removed", ""});
    }
  }

  struct statvfs st {};
  if (::statvfs(existing.c_str(), &st) != 0) {
    t.checks.push_back({"free space", check_status::failed, "statvfs: " + errno_text(errno), ""});
  } else {
    const std::uint64_t free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    const std::uint64_t total = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
    check c{"free space", check_status::ok, approximate_size(free_bytes) + " free of " + approximate_size(total), ""};
    if (free_bytes == 0) {
      c.status = check_status::failed;
      c.hint = "the file system is full: free space or move sinks[" + sink_name + "].path";
    }
    t.checks.push_back(std::move(c));
  }
  return t;
}

}  // namespace sf::connection_test
