// Structured logging to stderr; one write(2) per record so lines from a crash are never interleaved.
#include "common/log/logger.hpp"

#include "common/time/rfc3339.hpp"
#include "common/json/json_escape.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>

namespace sf::log {
namespace {
level min_level_ = level::info;
format style_ = isatty(STDERR_FILENO) ? format::text : format::json;
bool journal_ = false;

bool stderr_is_journal() {
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return is_journal_stream(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
}

// sd-daemon(3) levels: what journalctl -p filters on.
std::string_view journal_prefix(level l) {
  switch (l) {
    case level::debug: return "<7>";
    case level::info: return "<6>";
    case level::warn: return "<4>";
    case level::error: return "<3>";
  }
  return "<6>";
}

std::string_view name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

void append_time(std::string& out) { out += time::utc_now_rfc3339(); }
}  // namespace

void configure(level l, format f) {
  min_level_ = l;
  style_ = f;
  journal_ = stderr_is_journal();
}

bool is_journal_stream(const char* env, std::uint64_t stderr_dev, std::uint64_t stderr_ino) {
  if (env == nullptr) return false;
  const std::string_view text(env);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  const char* dev_end = text.data() + colon;
  const char* ino_end = text.data() + text.size();
  const auto d = std::from_chars(text.data(), dev_end, dev);
  const auto i = std::from_chars(dev_end + 1, ino_end, ino);
  if (d.ec != std::errc{} || d.ptr != dev_end || i.ec != std::errc{} || i.ptr != ino_end) return false;
  return dev == stderr_dev && ino == stderr_ino;
}

bool enabled(level l) { return l >= min_level_; }

std::string render(level l, std::string_view message, std::initializer_list<field> fields, format style,
                   bool journal_priority) {
  std::string line;
  line.reserve(160);
  if (style == format::json) {
    line += "{\"time\":\"";
    append_time(line);
    line += "\",\"level\":\"";
    line += name(l);
    line += "\",\"msg\":\"";
    json::append_json_escaped(line, message);
    line += '"';
    for (const auto& f : fields) {
      line += ",\"";
      json::append_json_escaped(line, f.key);
      line += "\":";
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
              line += '"';
              json::append_json_escaped(line, v);
              line += '"';
            } else if constexpr (std::is_same_v<T, bool>) {
              line += v ? "true" : "false";
            } else {
              fmt::format_to(std::back_inserter(line), "{}", v);
            }
          },
          f.value);
    }
    line += "}\n";
  } else {
    // JSON stays pure JSON for collectors; the priority prefix is for text read through journald.
    if (journal_priority) line += journal_prefix(l);
    append_time(line);
    fmt::format_to(std::back_inserter(line), " {:<5} {}", name(l), message);
    for (const auto& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
              const bool quote = v.empty() || v.find(' ') != std::string_view::npos;
              if (quote) line += '"';
              line += v;
              if (quote) line += '"';
            } else if constexpr (std::is_same_v<T, bool>) {
              line += v ? "true" : "false";
            } else {
              fmt::format_to(std::back_inserter(line), "{}", v);
            }
          },
          f.value);
    }
    line += '\n';
  }
  return line;
}

void write(level l, std::string_view message, std::initializer_list<field> fields) {
  if (!enabled(l)) return;
  const std::string line = render(l, message, fields, style_, journal_);
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // stderr gone: nothing sensible left to do with a log line
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace sf::log
