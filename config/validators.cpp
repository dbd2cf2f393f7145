// Checks of single configuration values (URLs, addresses, index and sink names, programs): "" when valid.
#include "config/validators.hpp"

#include "common/http/listen_address.hpp"
#include "common/http/url.hpp"
#include "common/http/proxy_choice.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/index_pattern.hpp"

namespace sf::config {
namespace {

std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace

std::string proxy_url_problem(std::string_view text) {
  if (text == "none") return {};
  const auto parsed = http::parse_proxy_url(text);
  if (!parsed.endpoint) return "is not a usable proxy URL: it " + parsed.problem;
  if (!parsed.endpoint->password.empty())
    return "must not hold a password (the URL is shown in logs and by check-config): name only the user "
           "(http://user@host:port) and give the password in proxy_password_file";
  return {};
}

url_check check_url(std::string_view text, bool remote_http_ok) {
  // A base URL: the forwarder appends its own paths and queries to it.
  if (const auto sep = text.find("://");
      sep != std::string_view::npos && text.find_first_of("?#", sep) != std::string_view::npos)
    return {{}, "must not have a query or a fragment"};
  http::url_refusal why;
  const auto u = http::parse_url(text, &why);
  if (!u) {
    // The parser says what is wrong; the advice is the configuration's.
    switch (why.problem) {
      case http::url_problem::scheme:
        return {{}, why.reason + ": use https:// (or http:// for a loopback host)"};
      case http::url_problem::credentials:
        return {{}, why.reason + ": use the auth keys, which are kept secret"};
      default:
        return {{}, why.reason};
    }
  }
  if (!u->tls() && !remote_http_ok && !is_loopback_host(u->host))
    return {{},
            "uses plain http:// for a host that is not loopback (127.0.0.0/8, ::1, localhost); use https://"};
  std::string normalized = u->to_string();
  while (normalized.size() > u->origin().size() && normalized.back() == '/') normalized.pop_back();
  return {normalized, {}};
}

bool remote_plain_http(std::string_view normalized_url) {
  const auto u = http::parse_url(normalized_url);
  return u && !u->tls() && !is_loopback_host(u->host);
}

std::string remote_plain_http_problem(std::string_view opt_in_key) {
  return fmt::format(
      "uses plain http:// for a host that is not loopback (127.0.0.0/8, ::1, localhost): use https://, or set "
      "{}: true for a service reached only inside a trusted network (requests and credentials then travel "
      "unencrypted)",
      opt_in_key);
}

bool is_loopback_host(std::string_view host) {
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  if (h == "localhost" || h == "localhost.") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::optional<std::string> cloud_id_to_url(std::string_view cloud_id) {
  // The label may itself contain ':'; base64 never does, so the payload follows the last one.
  if (const auto colon = cloud_id.rfind(':'); colon != std::string_view::npos)
    cloud_id = cloud_id.substr(colon + 1);
  auto decoded = base64_decode(cloud_id);
  if (!decoded) return std::nullopt;
  std::string_view d = *decoded;
  const auto dollar = d.find('$');
  if (dollar == std::string_view::npos) return std::nullopt;
  std::string_view host = d.substr(0, dollar);
  std::string_view es_uuid = d.substr(dollar + 1);
  es_uuid = es_uuid.substr(0, es_uuid.find('$'));
  std::string_view port = "443";
  if (const auto c = host.rfind(':'); c != std::string_view::npos) {
    port = host.substr(c + 1);
    host = host.substr(0, c);
  }
  // Newer ids may carry the port on the uuid instead (es_uuid:port); it wins.
  if (const auto c = es_uuid.rfind(':'); c != std::string_view::npos) {
    port = es_uuid.substr(c + 1);
    es_uuid = es_uuid.substr(0, c);
  }
  auto plain = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char ch) {
      return std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_';
    });
  };
  if (!plain(host) || !plain(es_uuid)) return std::nullopt;
  std::string text = fmt::format("https://{}.{}:{}", es_uuid, host, port);
  if (!http::parse_url(text)) return std::nullopt;  // the port, 1..65535
  return text;
}

std::string listen_address_problem(std::string_view listen) {
  if (listen.empty()) return {};
  auto parsed = http::parse_listen_address(listen);
  if (auto* problem = std::get_if<std::string>(&parsed)) return *problem;
  return {};
}

std::string index_name_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name == "." || name == "..") return "must not be '.' or '..'";
  if (name.size() > 255) return "must be at most 255 bytes";
  if (name.front() == '-' || name.front() == '_' || name.front() == '+')
    return "must not start with -, _ or +";
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return "must be lowercase";
    if (std::strchr("\\/*?\"<>| ,#:", c) != nullptr) return fmt::format("must not contain '{}'", c);
  }
  return {};
}

std::string index_problem(std::string_view text) {
  if (text.find("%{") == std::string_view::npos) return index_name_problem(text);
  std::string problem;
  auto pattern = index_pattern::parse(text, problem);
  if (!pattern) return problem;
  // Date fields resolve to digits only, so one sample stands for every name the pattern can give.
  const auto sample = pattern->resolve("2026-12-31T23:59:59Z");
  if (!sample) return "cannot be resolved";
  if (auto p = index_name_problem(*sample); !p.empty()) return p + " (once resolved, e.g. '" + *sample + "')";
  return {};
}

std::string data_stream_problem(std::string_view name) {
  if (name.find("%{") != std::string_view::npos)
    return "cannot hold a date pattern: a data stream rolls over by itself (use index: name-%{+yyyy.MM.dd} "
           "for "
           "event-time indices)";
  if (auto p = index_name_problem(name); !p.empty()) return p;
  if (std::count(name.begin(), name.end(), '-') < 2)
    return "must be <type>-<dataset>-<namespace>, e.g. logs-scaleft.audit-default";
  return {};
}

std::string sink_name_problem(std::string_view name) {
  const bool valid = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (valid) return {};
  return fmt::format("'{}' may hold only a-z, 0-9, _ and - (it names files and metrics)", name);
}

std::string program_problem(const std::string& program, const std::optional<std::string>& search_path) {
  auto runnable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.empty()) return "the program name is empty";
  if (program[0] == '/') {
    if (runnable(program)) return "";
    struct stat st {};
    if (::stat(program.c_str(), &st) != 0)
      return fmt::format("'{}' cannot be run: {}", program, std::strerror(errno));
    return fmt::format("'{}' is not an executable file", program);
  }
  if (program.find('/') != std::string::npos)
    return fmt::format("'{}' is a relative path: give an absolute path or a program name found on PATH",
                       program);
  const std::string search = search_path ? *search_path : "";
  std::size_t start = 0;
  while (start <= search.size()) {
    auto end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    const std::string dir = search.substr(start, end - start);
    if (!dir.empty() && runnable(dir + "/" + program)) return "";
    start = end + 1;
  }
  return fmt::format("'{}' is not found on PATH ({}): give an absolute path", program,
                     search.empty() ? "PATH is not set" : search);
}

}  // namespace sf::config
