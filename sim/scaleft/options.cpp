// The scaleft-sim command line: flags, defaults and the one-line error for a bad flag.
#include "sim/scaleft/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace sfsim::scaleft {

service_user_spec default_service_user() {
  return {"log-forwarder", {"reporting_user", "access_admin"}};
}

namespace {

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

bool valid_name(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      return false;
  }
  return true;
}

}  // namespace

std::string usage() {
  return "usage: scaleft-sim [--listen HOST:PORT] [--port-file FILE] [--team NAME] [--seed N] [--events N]\n"
         "                   [--span DUR] [--rate R] [--service-user NAME=ROLE[,ROLE]]... [--credentials-dir "
         "DIR]\n"
         "                   [--token-lifetime DUR] [--rotation-expiry DUR] [--rate-limit N] [--retention "
         "DUR]\n"
         "                   [--odd-rate F] [--objects N] [--fault SPEC]... [--tls-cert FILE --tls-key FILE]\n"
         "                   [--omit-last-next] [--refuse-aged-offsets]\n"
         "durations: a number with ms, s, m, h or d (e.g. 30d); faults: ENDPOINT:KIND[:p=P|:n=N][:delay=D]\n";
}

std::variant<options, std::string> parse_options(const std::vector<std::string>& args) {
  options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline = false;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline = true;
    }
    if (flag == "--help" || flag == "-h") {
      o.help = true;
      continue;
    }
    // Switches take no value.
    if (flag == "--omit-last-next" || flag == "--refuse-aged-offsets") {
      if (has_inline) return flag + " takes no value";
      (flag == "--omit-last-next" ? o.omit_last_next : o.refuse_aged_offsets) = true;
      continue;
    }
    if (!flag.starts_with("--")) return "unexpected argument '" + flag + "'";
    if (!has_inline) {
      if (i + 1 >= args.size()) return flag + " needs a value";
      value = args[++i];
    }
    auto duration = [&](nanos& out) -> std::optional<std::string> {
      auto d = parse_duration(value);
      if (!d) return flag + ": '" + value + "' is not a duration (use ms, s, m, h or d, e.g. 30d)";
      out = *d;
      return std::nullopt;
    };
    std::optional<std::string> err;
    if (flag == "--listen") {
      o.listen = value;
    } else if (flag == "--port-file") {
      o.port_file = value;
    } else if (flag == "--team") {
      if (value.empty()) return "--team: must not be empty";
      o.team = value;
    } else if (flag == "--seed") {
      auto v = parse_u64(value);
      if (!v) return "--seed: '" + value + "' is not a non-negative integer";
      o.seed = *v;
    } else if (flag == "--events") {
      auto v = parse_u64(value);
      if (!v || *v > 50'000'000) return "--events: '" + value + "' is not an integer from 0 to 50000000";
      o.events = *v;
    } else if (flag == "--span") {
      err = duration(o.span);
    } else if (flag == "--rate") {
      auto v = parse_double(value);
      if (!v || *v > 1e6) return "--rate: '" + value + "' is not a number of events per second (0 to 1e6)";
      o.rate = *v;
    } else if (flag == "--service-user") {
      // NAME= (no roles) is a user the service answers with 401 authorization_error.
      const auto eq = value.find('=');
      service_user_spec su;
      su.name = value.substr(0, eq);
      if (eq == std::string::npos || !valid_name(su.name))
        return "--service-user: '" + value + "' is not NAME=ROLE[,ROLE]";
      std::string roles = value.substr(eq + 1);
      while (!roles.empty()) {
        const auto comma = roles.find(',');
        std::string role = roles.substr(0, comma);
        if (!valid_name(role)) return "--service-user: bad role in '" + value + "'";
        su.roles.push_back(role);
        roles = comma == std::string::npos ? "" : roles.substr(comma + 1);
      }
      o.service_users.push_back(std::move(su));
    } else if (flag == "--credentials-dir") {
      o.credentials_dir = value;
    } else if (flag == "--token-lifetime") {
      err = duration(o.token_lifetime);
    } else if (flag == "--rotation-expiry") {
      err = duration(o.rotation_expiry);
    } else if (flag == "--retention") {
      err = duration(o.retention);
    } else if (flag == "--rate-limit") {
      auto v = parse_u64(value);
      if (!v || *v == 0) return "--rate-limit: '" + value + "' is not a positive integer";
      o.rate_limit = *v;
    } else if (flag == "--odd-rate") {
      auto v = parse_double(value);
      if (!v || *v > 1) return "--odd-rate: '" + value + "' is not a share from 0 to 1";
      o.odd_rate = *v;
    } else if (flag == "--objects") {
      auto v = parse_u64(value);
      if (!v || *v < 9 || *v > 1'000'000)
        return "--objects: '" + value + "' is not an integer from 9 to 1000000";
      o.objects = *v;
    } else if (flag == "--fault") {
      auto r = parse_fault(value);
      if (auto* e = std::get_if<std::string>(&r)) return "--fault: " + *e;
      o.faults.push_back(std::get<fault_rule>(r));
    } else if (flag == "--tls-cert") {
      o.tls_cert = value;
    } else if (flag == "--tls-key") {
      o.tls_key = value;
    } else {
      return "unknown flag " + flag + " (see --help)";
    }
    if (err) return *err;
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) return "--tls-cert and --tls-key go together";
  if (o.token_lifetime <= 0) return "--token-lifetime: must be above zero";
  if (o.service_users.empty()) o.service_users.push_back(default_service_user());
  for (std::size_t i = 0; i < o.service_users.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (o.service_users[i].name == o.service_users[j].name)
        return "--service-user: '" + o.service_users[i].name + "' given twice";
    }
  }
  return o;
}

}  // namespace sfsim::scaleft
