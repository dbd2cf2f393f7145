// A temporary directory for one test: created 0700 (mkdtemp), removed with everything in it at the end,
// even where the test took its own permissions away.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sf::test {

class temp_dir {
 public:
  // `prefix` names the directory under $TMPDIR (e.g. "sf-state-test"), so a leftover says whose it is.
  explicit temp_dir(std::string_view prefix = "sf-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }
  // Writes `content` to the file `name` in it; returns the file's path as text (for configuration snippets).
  std::string write(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace sf::test
