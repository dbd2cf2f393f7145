// Helpers shared by the file sink tests: batches, configurations, zstd read-back, the full-disk switch.
#pragma once
#include "sinks/file/file_sink.hpp"
#include "tests/support/run_bounded.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using sf::audit::event_batch;
using sf::config::file_sink_config;
using sf::sinks::file::file_sink;
using sf::sinks::file::file_sink_options;
using ::testing::HasSubstr;

// The full-disk switch exists only in builds with SF_TEST_HOOKS (scripts/test.sh turns it on); without it
// those tests fail, saying why: a skipped fault test would pass without testing anything.
#ifdef SF_TEST_HOOKS
#define REQUIRE_TEST_HOOKS() (void)0
#else
#define REQUIRE_TEST_HOOKS() GTEST_FAIL() << "built without SF_TEST_HOOKS: reconfigure with -DSF_TEST_HOOKS=ON"
#endif

namespace sf_file_sink_test {

using sf::test::temp_dir;

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void append_raw(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline event_batch make_batch(int first, int count, std::size_t pad = 40) {
  event_batch b;
  for (int i = first; i < first + count; ++i) {
    const std::string id = "evt-" + std::to_string(i);
    b.add(id, "2024-05-01T12:00:00Z",
          R"({"event":{"id":")" + id + R"("},"message":")" +
              std::string(pad, static_cast<char>('a' + i % 26)) + "\"}");
  }
  return b;
}

// Passes everything on to `inner` and calls `on_error(n)` at the sink's n-th failed write. The sink reports
// a failed write on the event loop after the attempt has ended (its partial write removed) and before the
// retry starts, so the file can be read there without racing the disk thread, and the disk "healed".
struct failed_write_hook final : sf::sinks::sink_observer {
  sf::sinks::sink_observer& inner;
  std::function<void(std::uint64_t)> on_error;
  std::uint64_t errors = 0;
  failed_write_hook(sf::sinks::sink_observer& i, std::function<void(std::uint64_t)> f)
      : inner(i), on_error(std::move(f)) {}
  void on_request(std::string_view status) override {
    inner.on_request(status);
    if (status == "error") on_error(++errors);
  }
  void on_bytes(std::uint64_t payload, std::uint64_t wire) override { inner.on_bytes(payload, wire); }
  void on_retry(std::uint64_t events) override { inner.on_retry(events); }
  void on_dead_letter(std::uint64_t events) override { inner.on_dead_letter(events); }
};

inline file_sink_config plain(const fs::path& p) {
  file_sink_config c;
  c.path = p.string();
  return c;
}

inline file_sink_config zstd_config(const fs::path& p) {
  file_sink_config c = plain(p);
  c.compress = file_sink_config::compression::zstd;
  return c;
}

inline file_sink_options fast_retries() {
  file_sink_options o;
  o.initial_backoff = 20ms;
  o.max_backoff = 50ms;
  return o;
}

using sf::test::run;

inline std::string decompress_all(std::string_view data, std::size_t* frames = nullptr) {
  std::string out;
  std::size_t pos = 0, count = 0;
  while (pos < data.size()) {
    const std::size_t n = ZSTD_findFrameCompressedSize(data.data() + pos, data.size() - pos);
    if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
    const unsigned long long size = ZSTD_getFrameContentSize(data.data() + pos, n);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
      throw std::runtime_error("no size");
    std::string part(size, '\0');
    const std::size_t got = ZSTD_decompress(part.data(), part.size(), data.data() + pos, n);
    if (ZSTD_isError(got)) throw std::runtime_error(ZSTD_getErrorName(got));
    out += part;
    pos += n;
    ++count;
  }
  if (frames != nullptr) *frames = count;
  return out;
}

inline std::string zstdcat(const fs::path& p) {
  const std::string cmd = "zstdcat -q '" + p.string() + "'";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return "<popen failed>";
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const int rc = ::pclose(f);
  if (rc != 0) out += "<zstdcat failed>";
  return out;
}

// The full-disk test switch for paths below `dir`, active while `flag` exists.
class fail_writes_scope {
 public:
  fail_writes_scope(const fs::path& dir, const fs::path& flag) {
    ::setenv("SF_TEST_FAIL_WRITES", dir.filename().c_str(), 1);
    ::setenv("SF_TEST_FAIL_WRITES_WHILE", flag.c_str(), 1);
  }
  ~fail_writes_scope() {
    ::unsetenv("SF_TEST_FAIL_WRITES");
    ::unsetenv("SF_TEST_FAIL_WRITES_WHILE");
  }
};

}  // namespace sf_file_sink_test

using namespace sf_file_sink_test;
