// Structured logging: one line per record, JSON (for collectors) or text (for terminals), to stderr.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace sf::log {

enum class level { debug, info, warn, error };
enum class format { json, text };

// A field's value. Secrets must never be passed here: log a key id or a file name, never a secret.
struct field {
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, bool v) : key(k), value(v) {}
  field(std::string_view k, double v) : key(k), value(v) {}
  template <class I, class = std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>>
  field(std::string_view k, I v) : key(k), value(static_cast<std::int64_t>(v)) {}
  std::string_view key;
  std::variant<std::string_view, std::int64_t, double, bool> value;
};

// Also decides whether text lines carry journald priority prefixes (JOURNAL_STREAM matches stderr).
void configure(level min_level, format style);
bool enabled(level l);
void write(level l, std::string_view message, std::initializer_list<field> fields = {});

inline void debug(std::string_view m, std::initializer_list<field> f = {}) { if (enabled(level::debug)) write(level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<field> f = {}) { write(level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<field> f = {}) { write(level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<field> f = {}) { write(level::error, m, f); }

// The whole record as written, newline included. With `journal_priority`, a text line starts with the
// sd-daemon priority prefix (<3> error, <4> warn, <6> info, <7> debug) that journald turns into PRIORITY=.
std::string render(level l, std::string_view message, std::initializer_list<field> fields, format style,
                   bool journal_priority);

// True when stderr is the journal stream systemd connected: JOURNAL_STREAM ("<device>:<inode>") names the
// device and inode of stderr. A child that inherited the variable but writes to a pipe or a file gets false.
bool is_journal_stream(const char* journal_stream_env, std::uint64_t stderr_dev, std::uint64_t stderr_ino);

}  // namespace sf::log
