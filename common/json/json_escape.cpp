// JSON string escaping with a fast path 16 bytes at a time (8 without SSE2): most strings are copied in one
// append.
#include "common/json/json_escape.hpp"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sf::json {
namespace {

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

// Non-zero when some byte of `w` is below `n` (n <= 128): the classic SWAR "hasless" test.
constexpr std::uint64_t has_less(std::uint64_t w, std::uint64_t n) {
  return (w - ones * n) & ~w & highs;
}
constexpr std::uint64_t has_byte(std::uint64_t w, std::uint64_t b) {
  return has_less(w ^ (ones * b), 1);
}

inline std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

#if defined(__SSE2__)
inline __m128i load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline unsigned bits(__m128i m) { return static_cast<unsigned>(_mm_movemask_epi8(m)); }
// Bytes of `x` below 0x20 (unsigned: min(b, 0x1f) == b), and bytes that are a quote or a backslash.
inline __m128i control_bytes(__m128i x) { return _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x); }
inline __m128i quote_or_backslash(__m128i x) {
  return _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
}
// Bit k set when byte k of the 16 at `p` is a control byte.
inline unsigned control_mask(const char* p) { return bits(control_bytes(load16(p))); }
// Bit k set when byte k of the 16 at `p` must be escaped: a control byte, a quote or a backslash.
inline unsigned escape_mask(const char* p) {
  const __m128i x = load16(p);
  return bits(_mm_or_si128(quote_or_backslash(x), control_bytes(x)));
}
#endif

// Length of the leading run of bytes that need no escaping inside a JSON string.
std::size_t plain_prefix(std::string_view s) {
#if defined(__SSE2__)
  // 16 bytes at a time; the tail is the string's last 16 bytes, its bits for bytes already seen dropped.
  if (const std::size_t n = s.size(); n >= 16) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
      if (const unsigned m = escape_mask(s.data() + i)) return i + static_cast<std::size_t>(__builtin_ctz(m));
    }
    if (i == n) return n;
    const unsigned m = escape_mask(s.data() + n - 16) >> (i - (n - 16));
    return m ? i + static_cast<std::size_t>(__builtin_ctz(m)) : n;
  }
#endif
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    const std::uint64_t w = load8(s.data() + i);
    if (has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\')) break;
  }
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') break;
  }
  return i;
}

}  // namespace

template <class Out>
void append_json_escape(Out& out, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    case '\b':
      out.append("\\b");
      return;
    case '\f':
      out.append("\\f");
      return;
    default: {
      const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
      out.append(u, 6);
    }
  }
}

const char* find_string_stop(const char* p) {
#if defined(__SSE2__)
  for (;; p += 16) {
    if (const unsigned m = bits(quote_or_backslash(load16(p)))) return p + __builtin_ctz(m);
  }
#else
  while (*p != '"' && *p != '\\') ++p;
  return p;
#endif
}

bool has_control_byte(std::string_view s) {
#if defined(__SSE2__)
  if (const std::size_t n = s.size(); n >= 16) {
    unsigned found = 0;
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) found |= control_mask(s.data() + i);
    if (i != n) found |= control_mask(s.data() + n - 16);  // the tail, overlapping bytes already seen
    return found != 0;
  }
#endif
  std::size_t i = 0;
  std::uint64_t found = 0;
  for (; i + 8 <= s.size(); i += 8) found |= has_less(load8(s.data() + i), 0x20);
  if (found) return true;
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) < 0x20) return true;
  }
  return false;
}

template <class Out>
void append_json_escaped(Out& out, std::string_view s) {
  while (!s.empty()) {
    const std::size_t n = plain_prefix(s);
    out.append(s.data(), n);
    if (n == s.size()) break;
    append_json_escape(out, static_cast<unsigned char>(s[n]));
    s.remove_prefix(n + 1);
  }
}

template <class Out>
void append_json_string(Out& out, std::string_view s) {
  out.push_back('"');
  append_json_escaped(out, s);
  out.push_back('"');
}

namespace {
// An output that only counts what the escaper writes, so that sizes come from the escaper itself.
struct byte_count {
  std::size_t n = 0;
  void append(std::string_view s) { n += s.size(); }
  void append(const char*, std::size_t k) { n += k; }
};
}  // namespace

std::size_t escaped_size(std::string_view s) {
  byte_count count;
  append_json_escaped(count, s);
  return count.n;
}

// The two outputs the header promises.
template void append_json_escape(std::string&, unsigned char);
template void append_json_escaped(std::string&, std::string_view);
template void append_json_string(std::string&, std::string_view);
template void append_json_escape(text::text_buffer&, unsigned char);
template void append_json_escaped(text::text_buffer&, std::string_view);
template void append_json_string(text::text_buffer&, std::string_view);

}  // namespace sf::json
