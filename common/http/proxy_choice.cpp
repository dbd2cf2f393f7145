// Proxy choice: proxy URL parsing, NO_PROXY matching and the order of config and environment (no I/O).
#include "common/http/proxy_choice.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace sf::http {
namespace {

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool valid_port(std::string_view p) {
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
  return !p.empty() && ec == std::errc() && end == p.data() + p.size() && n >= 1 && n <= 65535;
}

// Splits "host:port", "[v6]:port", "[v6]" or a bare "v6" (two colons or more: no port) into its parts.
// False when brackets do not close or a port follows without a colon.
bool split_host_port(std::string_view authority, std::string& host, std::string& port) {
  port.clear();
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (after.empty()) return true;
    if (after.front() != ':') return false;
    port = std::string(after.substr(1));
    return true;
  }
  if (std::count(authority.begin(), authority.end(), ':') >= 2) {
    host = std::string(authority);
    return true;
  }
  const auto colon = authority.rfind(':');
  host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) port = std::string(authority.substr(colon + 1));
  return true;
}

// Whether `addr` lies in `net`/`bits` (both of one family); a bits value past the family's width fails.
bool in_block(const boost::asio::ip::address& addr, const boost::asio::ip::address& net, unsigned bits) {
  auto bytes_of = [](const boost::asio::ip::address& a) {
    std::array<unsigned char, 16> out{};
    std::size_t n = 0;
    if (a.is_v4()) {
      const auto b = a.to_v4().to_bytes();
      std::copy(b.begin(), b.end(), out.begin());
      n = b.size();
    } else {
      const auto b = a.to_v6().to_bytes();
      std::copy(b.begin(), b.end(), out.begin());
      n = b.size();
    }
    return std::make_pair(out, n);
  };
  if (addr.is_v4() != net.is_v4()) return false;
  const auto [a, n] = bytes_of(addr);
  const auto [b, m] = bytes_of(net);
  if (bits > n * 8) return false;
  for (std::size_t i = 0; i < n && bits > 0; ++i) {
    const unsigned take = std::min(bits, 8u);
    const auto mask = static_cast<unsigned char>(0xff << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

// One NO_PROXY entry against the target (host already lowercased, without a trailing dot).
bool entry_matches(std::string_view entry, std::string_view host, std::string_view port, bool host_is_ip,
                   const boost::asio::ip::address& host_ip) {
  if (entry == "*") return true;
  std::string e_host, e_port;
  if (!split_host_port(entry, e_host, e_port)) return false;
  if (!e_port.empty() && e_port != port) return false;
  e_host = to_lower(e_host);
  std::string_view name = e_host;
  if (host_is_ip) {
    unsigned bits = 0;
    bool block = false;
    if (const auto slash = name.find('/'); slash != std::string_view::npos) {
      std::string_view b = name.substr(slash + 1);
      const auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
      if (b.empty() || ec != std::errc() || end != b.data() + b.size()) return false;
      name = name.substr(0, slash);
      block = true;
    }
    boost::system::error_code ec;
    const auto net = boost::asio::ip::make_address(std::string(name), ec);
    if (ec) return false;  // a name never matches an address: curl compares addresses as addresses
    return block ? in_block(host_ip, net, bits) : net == host_ip;
  }
  while (!name.empty() && name.front() == '.') name.remove_prefix(1);
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return false;
  if (host == name) return true;
  return host.size() > name.size() && host.substr(host.size() - name.size()) == name &&
         host[host.size() - name.size() - 1] == '.';
}

void read_pair(const char* lower, const char* upper, std::string& value, std::string& name) {
  if (const char* v = std::getenv(lower)) {
    value = v;
    name = lower;
  } else if (const char* u = std::getenv(upper)) {
    value = u;
    name = upper;
  }
}

}  // namespace

std::string proxy_endpoint::display() const {
  std::string out = "http://";
  if (!user.empty()) out += user + "@";
  if (host.find(':') != std::string::npos) out += "[" + host + "]";
  else out += host;
  return out + ":" + port;
}

proxy_parse parse_proxy_url(std::string_view text) {
  proxy_parse out;
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) {
      out.problem = "holds a space or control character";
      return out;
    }
  }
  if (text.empty()) {
    out.problem = "is empty";
    return out;
  }
  std::string_view rest = text;
  if (const auto sep = text.find("://"); sep != std::string_view::npos) {
    const std::string scheme = to_lower(text.substr(0, sep));
    if (scheme == "https") {
      out.problem =
          "https:// proxies (TLS to the proxy) are not supported: give the proxy as http://host:port "
          "(requests to https targets still go through its CONNECT tunnel with TLS end to end)";
      return out;
    }
    if (scheme.rfind("socks", 0) == 0) {
      out.problem =
          "SOCKS proxies (" + scheme + "://) are not supported: give an HTTP proxy, http://host:port";
      return out;
    }
    if (scheme != "http") {
      out.problem = "'" + scheme + "://' is not a proxy scheme: give an HTTP proxy, http://host:port";
      return out;
    }
    rest = text.substr(sep + 3);
  }
  const auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos && rest.substr(path_at) != "/") {
    out.problem = "has a path, query or fragment: a proxy URL is http://host:port";
    return out;
  }
  proxy_endpoint p;
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    p.user = text::percent_decode_lenient(userinfo.substr(0, colon), text::plus_sign::literal);
    if (colon != std::string_view::npos) p.password = text::percent_decode_lenient(userinfo.substr(colon + 1), text::plus_sign::literal);
    if (p.user.empty()) {
      out.problem = "names a password without a user";
      return out;
    }
  }
  if (!split_host_port(authority, p.host, p.port) || p.host.empty()) {
    out.problem = "has no host: a proxy URL is http://host:port";
    return out;
  }
  p.host = to_lower(p.host);
  if (p.port.empty()) p.port = "1080";
  if (!valid_port(p.port)) {
    out.problem = "has a bad port '" + p.port + "'";
    return out;
  }
  out.endpoint = std::move(p);
  return out;
}

proxy_environment proxy_environment::of_process() {
  proxy_environment env;
  read_pair("https_proxy", "HTTPS_PROXY", env.https_proxy, env.https_name);
  read_pair("http_proxy", "HTTP_PROXY", env.http_proxy, env.http_name);
  read_pair("no_proxy", "NO_PROXY", env.no_proxy, env.no_proxy_name);
  return env;
}

std::string proxy_route::describe() const {
  if (proxy) return proxy->display() + " (" + reason + ")";
  return reason.empty() ? "direct" : "direct (" + reason + ")";
}

proxy_route choose_proxy(const url& target, const proxy_setting& setting, const proxy_environment& env) {
  proxy_route route;
  std::string text;
  if (setting.url == "none") {
    route.reason = setting.key + ": none";
    return route;
  }
  if (!setting.url.empty()) {
    text = setting.url;
    route.reason = setting.key;
  } else {
    text = target.tls() ? env.https_proxy : env.http_proxy;
    const std::string& name = target.tls() ? env.https_name : env.http_name;
    if (text.empty()) return route;  // curl too takes a variable set to "" as no proxy
    if (no_proxy_matches(env.no_proxy, target.host, target.port)) {
      route.reason = env.no_proxy_name;
      return route;
    }
    route.reason = name;
  }
  auto parsed = parse_proxy_url(text);
  if (!parsed.endpoint) {
    route.error = route.reason + " is not a usable proxy URL: it " + parsed.problem;
    return route;
  }
  if (!setting.password.empty() && !parsed.endpoint->user.empty())
    parsed.endpoint->password = setting.password;
  route.proxy = std::move(parsed.endpoint);
  return route;
}

bool no_proxy_matches(std::string_view list, std::string_view host_in, std::string_view port) {
  std::string host = to_lower(host_in);
  while (!host.empty() && host.back() == '.') host.pop_back();
  boost::system::error_code ec;
  const auto host_ip = boost::asio::ip::make_address(host, ec);
  const bool host_is_ip = !ec;
  std::size_t i = 0;
  while (i < list.size()) {
    const auto end = list.find_first_of(", \t", i);
    const std::string_view entry =
        list.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (!entry.empty() && entry_matches(entry, host, port, host_is_ip, host_ip)) return true;
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return false;
}

}  // namespace sf::http
