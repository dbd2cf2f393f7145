// Process metrics as the Prometheus client libraries name them (process_*), read from /proc/self.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sf::ops {

// The fields of /proc/<pid>/stat the process metrics need (proc(5) numbering).
struct proc_stat {
  std::uint64_t utime_ticks = 0;      // field 14
  std::uint64_t stime_ticks = 0;      // field 15
  std::uint64_t starttime_ticks = 0;  // field 22: clock ticks after boot
  std::uint64_t vsize_bytes = 0;      // field 23
  std::int64_t rss_pages = 0;         // field 24
};

// Pure parsers of /proc texts; nullopt when the text is not what proc(5) describes.
// The command name (field 2) may hold spaces and parentheses: the fields are counted after its last ')'.
std::optional<proc_stat> parse_proc_stat(std::string_view text);
// The "btime" line of /proc/stat: boot time in Unix seconds.
std::optional<std::uint64_t> parse_boot_time(std::string_view text);
// The soft limit of "Max open files" in /proc/<pid>/limits; nullopt also when it is "unlimited".
std::optional<std::uint64_t> parse_max_open_files(std::string_view text);

struct process_sample {
  double cpu_seconds = 0;  // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  std::optional<double> start_time_seconds;  // Unix time; unknown without /proc/stat
  std::optional<std::uint64_t> open_fds;
  std::optional<std::uint64_t> max_fds;
};

// Pure: the sample from parsed values, the clock tick rate (sysconf(_SC_CLK_TCK)) and the page size.
process_sample make_process_sample(const proc_stat& st, std::optional<std::uint64_t> boot_time,
                                   std::optional<std::uint64_t> open_fds,
                                   std::optional<std::uint64_t> max_fds, long ticks_per_second,
                                   long page_size);

// Reads /proc/self/stat, /proc/stat, /proc/self/limits and counts /proc/self/fd; nullopt when /proc/self/stat
// cannot be read or parsed (no /proc: the metrics are left out rather than shown as zero).
std::optional<process_sample> read_process_sample();

// The Prometheus text of a sample (HELP and TYPE lines included), in the client libraries' names.
std::string render_process_metrics(const process_sample& s);

}  // namespace sf::ops
