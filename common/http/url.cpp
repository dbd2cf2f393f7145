// URL parsing and escaping for the forwarder's HTTP clients.
#include "common/http/url.hpp"

#include "common/text/percent_encoding.hpp"

#include <algorithm>
#include <cctype>

namespace sf::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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

std::optional<url> parse_url(std::string_view text, url_refusal* why) {
  auto refuse = [why](url_problem p, std::string reason) -> std::optional<url> {
    if (why) *why = {p, std::move(reason)};
    return std::nullopt;
  };
  if (has_forbidden_char(text)) return refuse(url_problem::character, "has a space or a control character");
  const auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return refuse(url_problem::not_a_url, "is not a URL: expected https://host[:port][/path]");
  url u;
  u.scheme = lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https")
    return refuse(url_problem::scheme, "has scheme '" + u.scheme + "'");
  std::string_view rest = text.substr(sep + 3);
  const auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? std::string_view{} : rest.substr(path_at);
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  if (authority.find('@') != std::string_view::npos)
    return refuse(url_problem::credentials, "must not carry credentials (user@host)");
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return refuse(url_problem::host, "has an unterminated [IPv6] host");
    // Brackets hold IPv6 literals only, compared case-insensitively like any host (found by fuzz_url:
    // "https://[B2]:42/" printed as "https://B2:42/", which is another URL).
    u.host = lower(authority.substr(1, close - 1));
    if (u.host.empty()) return refuse(url_problem::host, "has no host");
    if (u.host.find(':') == std::string::npos)
      return refuse(url_problem::host, "has brackets around a host that is not an IPv6 address");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return refuse(url_problem::host, "has junk after the [IPv6] host");
      port = after.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.find(':');
    u.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (u.host.empty()) return refuse(url_problem::host, "has no host");
  if (has_port) {
    const bool digits = !port.empty() && port.size() <= 5 &&
                        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    const unsigned long n = digits ? std::stoul(std::string(port)) : 0;
    if (n < 1 || n > 65535)
      return refuse(url_problem::port, "has an invalid port '" + std::string(port) + "': use 1..65535");
    u.port = std::to_string(n);
  } else {
    u.port = u.tls() ? "443" : "80";
  }
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

std::string join_path(std::string_view base_target, std::string_view path) {
  std::string_view base = base_target.substr(0, base_target.find('?'));
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + std::string(path);
}

namespace {
std::string decode(std::string_view s) { return text::percent_decode_lenient(s, text::plus_sign::space); }
}  // namespace

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (decode(pair.substr(0, eq)) == name)
      return eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return std::nullopt;
}

}  // namespace sf::http
