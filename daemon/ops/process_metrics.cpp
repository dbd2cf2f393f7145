// Process metrics from /proc/self: pure parsers of the /proc texts, one reader, and their Prometheus text.
#include "daemon/ops/process_metrics.hpp"

#include "common/files/atomic_file.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <charconv>
#include <filesystem>
#include <vector>

namespace sf::ops {

namespace {

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// /proc files report size 0; read_small_file reads to the end regardless.
std::optional<std::string> slurp(const char* path) {
  auto r = state::read_small_file(path, 64 * 1024);
  if (!r.ok()) return std::nullopt;
  return std::move(r.bytes);
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::optional<proc_stat> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos || text.find('(') > close) return std::nullopt;
  const auto f = words(text.substr(close + 1));
  // f[0] is field 3 (state): field n is f[n - 3]. rss is field 24.
  if (f.size() < 22) return std::nullopt;
  proc_stat st;
  auto utime = number<std::uint64_t>(f[14 - 3]);
  auto stime = number<std::uint64_t>(f[15 - 3]);
  auto start = number<std::uint64_t>(f[22 - 3]);
  auto vsize = number<std::uint64_t>(f[23 - 3]);
  auto rss = number<std::int64_t>(f[24 - 3]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  st.utime_ticks = *utime;
  st.stime_ticks = *stime;
  st.starttime_ticks = *start;
  st.vsize_bytes = *vsize;
  st.rss_pages = *rss;
  return st;
}

std::optional<std::uint64_t> parse_boot_time(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto w = words(text.substr(pos, end - pos));
    if (w.size() == 2 && w[0] == "btime") return number<std::uint64_t>(w[1]);
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_max_open_files(std::string_view text) {
  constexpr std::string_view key = "Max open files";
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(pos, end - pos);
    if (line.substr(0, key.size()) == key) {
      const auto w = words(line.substr(key.size()));
      if (w.empty()) return std::nullopt;
      return number<std::uint64_t>(w[0]);  // "unlimited" is not a number: nullopt
    }
    pos = end + 1;
  }
  return std::nullopt;
}

process_sample make_process_sample(const proc_stat& st, std::optional<std::uint64_t> boot_time,
                                   std::optional<std::uint64_t> open_fds,
                                   std::optional<std::uint64_t> max_fds, long ticks_per_second,
                                   long page_size) {
  process_sample s;
  const double tick = ticks_per_second > 0 ? 1.0 / static_cast<double>(ticks_per_second) : 0.01;
  s.cpu_seconds = static_cast<double>(st.utime_ticks + st.stime_ticks) * tick;
  s.resident_bytes =
      st.rss_pages > 0 ? static_cast<std::uint64_t>(st.rss_pages) * static_cast<std::uint64_t>(page_size) : 0;
  s.virtual_bytes = st.vsize_bytes;
  if (boot_time)
    s.start_time_seconds = static_cast<double>(*boot_time) + static_cast<double>(st.starttime_ticks) * tick;
  s.open_fds = open_fds;
  s.max_fds = max_fds;
  return s;
}

std::optional<process_sample> read_process_sample() {
  const auto stat_text = slurp("/proc/self/stat");
  if (!stat_text) return std::nullopt;
  const auto st = parse_proc_stat(*stat_text);
  if (!st) return std::nullopt;
  std::optional<std::uint64_t> boot;
  if (const auto t = slurp("/proc/stat")) boot = parse_boot_time(*t);
  std::optional<std::uint64_t> max_fds;
  if (const auto t = slurp("/proc/self/limits")) max_fds = parse_max_open_files(*t);
  std::optional<std::uint64_t> open_fds;
  std::error_code ec;
  std::uint64_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec))
    ++n;
  // The iterator's own descriptor is one of the entries: the client libraries count it too.
  if (!ec) open_fds = n;
  return make_process_sample(*st, boot, open_fds, max_fds, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE));
}

std::string render_process_metrics(const process_sample& s) {
  std::string out;
  auto it = std::back_inserter(out);
  header(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  fmt::format_to(it, "process_cpu_seconds_total {}\n", s.cpu_seconds);
  header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  fmt::format_to(it, "process_resident_memory_bytes {}\n", s.resident_bytes);
  header(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  fmt::format_to(it, "process_virtual_memory_bytes {}\n", s.virtual_bytes);
  if (s.start_time_seconds) {
    header(out, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.");
    fmt::format_to(it, "process_start_time_seconds {:.2f}\n", *s.start_time_seconds);
  }
  if (s.open_fds) {
    header(out, "process_open_fds", "gauge", "Number of open file descriptors.");
    fmt::format_to(it, "process_open_fds {}\n", *s.open_fds);
  }
  if (s.max_fds) {
    header(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
    fmt::format_to(it, "process_max_fds {}\n", *s.max_fds);
  }
  return out;
}

}  // namespace sf::ops
