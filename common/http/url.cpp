// URL parsing and escaping for the forwarder's HTTP clients.
#include "common/http/url.hpp"

#include <cctype>

namespace sf::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Removes "." and ".." segments (RFC 3986 5.2.4) so that resolved links stay canonical.
std::string remove_dot_segments(std::string_view path) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i + 1);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);  // includes the leading '/'
    if (seg == "/.") {
      if (j == path.size()) out += '/';
    } else if (seg == "/..") {
      auto cut = out.rfind('/');
      out.resize(cut == std::string::npos ? 0 : cut);
      if (j == path.size()) out += '/';
    } else {
      out += seg;
    }
    i = j;
  }
  return out.empty() ? "/" : out;
}

// Spaces and control characters never belong in a URL; a CR/LF taken from a response header would
// otherwise split the request line we send.
bool has_forbidden_char(std::string_view s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return true;
  return false;
}

// True when `ref` starts with an RFC 3986 scheme ("ALPHA *( ALPHA / DIGIT / + / - / . ) :"), so that a
// "://" inside a query value does not make a relative reference absolute.
bool has_scheme(std::string_view ref) {
  const auto colon = ref.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(ref[0]))) return false;
  for (char c : ref.substr(0, colon))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  return true;
}

}  // namespace

std::string url::origin() const {
  std::string out = scheme + "://";
  if (host.find(':') != std::string::npos) out += "[" + host + "]";
  else out += host;
  if (!((scheme == "http" && port == "80") || (scheme == "https" && port == "443"))) out += ":" + port;
  return out;
}

std::optional<url> parse_url(std::string_view text) {
  url u;
  if (has_forbidden_char(text)) return std::nullopt;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  u.scheme = lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  std::string_view rest = text.substr(sep + 3);
  const auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? std::string_view{} : rest.substr(path_at);
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in URLs
  if (authority.empty()) return std::nullopt;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    // Brackets hold IPv6 literals only, compared case-insensitively like any host (found by fuzz_url:
    // "https://[B2]:42/" printed as "https://B2:42/", which is another URL).
    u.host = lower(authority.substr(1, close - 1));
    if (u.host.find(':') == std::string::npos) return std::nullopt;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      u.port = std::string(after.substr(1));
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      u.host = lower(authority.substr(0, colon));
      u.port = std::string(authority.substr(colon + 1));
      if (u.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs brackets
    } else {
      u.host = lower(authority);
    }
  }
  if (u.host.empty()) return std::nullopt;
  if (u.port.empty()) u.port = u.tls() ? "443" : "80";
  for (char c : u.port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (u.port.size() > 5 || std::stoul(u.port) == 0 || std::stoul(u.port) > 65535) return std::nullopt;
  if (target.empty()) u.target = "/";
  else if (target.front() == '?') u.target = "/" + std::string(target);
  else u.target = std::string(target);
  return u;
}

std::optional<url> resolve_reference(const url& base, std::string_view ref) {
  if (has_forbidden_char(ref)) return std::nullopt;
  if (has_scheme(ref)) return parse_url(ref);
  if (ref.substr(0, 2) == "//") return parse_url(base.scheme + ":" + std::string(ref));
  url out = base;
  if (auto hash = ref.find('#'); hash != std::string_view::npos) ref = ref.substr(0, hash);
  if (ref.empty()) return out;
  if (ref.front() == '/') {
    auto q = ref.find('?');
    out.target = remove_dot_segments(ref.substr(0, q)) + (q == std::string_view::npos ? "" : std::string(ref.substr(q)));
    return out;
  }
  // A view of base.target itself: std::string::substr would return a temporary and leave the view dangling.
  std::string_view base_path = std::string_view(base.target).substr(0, base.target.find('?'));
  if (ref.front() == '?') {
    out.target = std::string(base_path) + std::string(ref);
    return out;
  }
  std::string dir(base_path.substr(0, base_path.rfind('/') + 1));
  auto q = ref.find('?');
  out.target = remove_dot_segments(dir + std::string(ref.substr(0, q))) +
               (q == std::string_view::npos ? "" : std::string(ref.substr(q)));
  return out;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string join_path(std::string_view base_target, std::string_view path) {
  std::string_view base = base_target.substr(0, base_target.find('?'));
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + std::string(path);
}

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) == name)
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
}

}  // namespace sf::http
