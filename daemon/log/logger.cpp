// Structured logging to stderr; one write(2) per record so lines from a crash are never interleaved.
#include "daemon/log/logger.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

namespace sf::log {
namespace {
level min_level_ = level::info;
format style_ = isatty(STDERR_FILENO) ? format::text : format::json;

std::string_view name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

void append_time(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}
}  // namespace

void configure(level l, format f) {
  min_level_ = l;
  style_ = f;
}

bool enabled(level l) { return l >= min_level_; }

void append_json_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
}

void write(level l, std::string_view message, std::initializer_list<field> fields) {
  if (!enabled(l)) return;
  std::string line;
  line.reserve(160);
  if (style_ == format::json) {
    line += "{\"time\":\"";
    append_time(line);
    line += "\",\"level\":\"";
    line += name(l);
    line += "\",\"msg\":\"";
    append_json_escaped(line, message);
    line += '"';
    for (const auto& f : fields) {
      line += ",\"";
      append_json_escaped(line, f.key);
      line += "\":";
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
              line += '"';
              append_json_escaped(line, v);
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
