// From connection steps to checks with hints: what a failed lookup, connect, proxy or handshake asks to change.
#include "daemon/connection_test/transport_checks.hpp"

#include <algorithm>
#include <ctime>

namespace sf::connection_test {
namespace {

const http::connection_step* first_of(const std::vector<http::connection_step>& steps, http::step_kind kind) {
  for (const auto& s : steps)
    if (s.kind == kind) return &s;
  return nullptr;
}

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

std::string hint_for(http::step_kind kind, const http::connection_step& s, const transport_context& ctx) {
  switch (kind) {
    case http::step_kind::dns:
      return "check the host name in " + ctx.url_key + " and this machine's DNS (/etc/resolv.conf)";
    case http::step_kind::tcp:
      if (contains(s.detail, "refused"))
        return "nothing listens there: check the host and port in " + ctx.url_key;
      return "no answer: a firewall may drop the connection, or egress needs a proxy (proxy_url)";
    case http::step_kind::proxy:
      return "check proxy_url (and the proxy's credentials), or set proxy_url: none to go direct";
    case http::step_kind::tls:
      if (contains(s.detail, "certificate"))
        return "set " + ctx.ca_key + " to the CA that signed the server's certificate, or check the proxy";
      return "check that " + ctx.url_key + " names a TLS (https) port";
  }
  return {};
}

}  // namespace

std::string utc_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string describe_tls(const std::string& version, const std::optional<http::certificate_info>& cert,
                         std::int64_t now_unix) {
  std::string out = version;
  if (!cert) return out;
  if (!out.empty()) out += ", ";
  out += cert->subject.empty() ? std::string("(no subject)") : cert->subject;
  const std::int64_t left = cert->not_after_unix - now_unix;
  // Whole days to the nearest: a certificate issued for 30 days shows 30, not 29, just after issue.
  const std::int64_t days = ((left >= 0 ? left : -left) + 43200) / 86400;
  if (left >= 0)
    out += ", expires " + utc_date(cert->not_after_unix) + " (" + std::to_string(days) + (days == 1 ? " day)" : " days)");
  else
    out += ", expired " + utc_date(cert->not_after_unix) + " (" + std::to_string(days) +
           (days == 1 ? " day ago)" : " days ago)");
  return out;
}

std::vector<check> transport_checks(const std::vector<http::connection_step>& steps, const transport_context& ctx) {
  std::vector<check> out;
  bool failed_before = false;
  for (const auto kind : {http::step_kind::dns, http::step_kind::tcp, http::step_kind::proxy, http::step_kind::tls}) {
    check c;
    c.step = std::string(http::step_name(kind));
    const auto* s = first_of(steps, kind);
    if (!s) {
      c.status = check_status::skipped;
      if (kind == http::step_kind::proxy && !ctx.proxy_configured) c.detail = "not configured";
      else if (kind == http::step_kind::tls && !ctx.tls) c.detail = "plain http";
      else c.detail = failed_before ? "not reached" : "no connection was made";
      out.push_back(std::move(c));
      continue;
    }
    c.status = s->ok ? check_status::ok : check_status::failed;
    if (kind == http::step_kind::tls) {
      if (s->ok) {
        c.detail = describe_tls(s->detail, s->certificate, ctx.now_unix);
      } else {
        c.detail = s->detail;
        if (s->certificate)
          c.detail += "; the server presented " + s->certificate->subject + ", issued by " + s->certificate->issuer;
      }
    } else {
      c.detail = s->detail;
    }
    if (!s->ok) {
      c.hint = hint_for(kind, *s, ctx);
      failed_before = true;
    }
    out.push_back(std::move(c));
  }
  return out;
}

bool connected(const std::vector<check>& checks) {
  return std::none_of(checks.begin(), checks.end(), [](const check& c) { return c.status == check_status::failed; }) &&
         std::any_of(checks.begin(), checks.end(),
                     [](const check& c) { return c.step == "tcp" && c.status == check_status::ok; });
}

}  // namespace sf::connection_test
