// The es-sim command line: flags, defaults and the one-line error for a bad flag.
#include "sim/elasticsearch/options.hpp"

#include <charconv>
#include <optional>

namespace sfsim::es {

std::variant<std::uint64_t, std::string> parse_byte_size(std::string_view text) {
  std::uint64_t n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || p == text.data()) return "'" + std::string(text) + "' is not a size such as 100mb";
  std::string unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::uint64_t mult;
  if (unit.empty() || unit == "b")
    mult = 1;
  else if (unit == "kb" || unit == "k")
    mult = 1ULL << 10;
  else if (unit == "mb" || unit == "m")
    mult = 1ULL << 20;
  else if (unit == "gb" || unit == "g")
    mult = 1ULL << 30;
  else
    return "'" + std::string(text) + "': unit must be b, kb, mb or gb";
  if (n == 0 || n > (1ULL << 42) / mult) return "'" + std::string(text) + "' is out of range";
  return n * mult;
}

std::string usage() {
  return "usage: es-sim --listen 127.0.0.1:0 --port-file FILE\n"
         "              [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]\n"
         "              [--api-key-file FILE] [--basic-file FILE] [--bearer-file FILE]\n"
         "              [--data-stream-pattern 'logs-*-*']... [--max-content-length 100mb]\n"
         "              [--fault SPEC]... [--version 8.15.0] [--seed N]\n"
         "              [--no-builtin-templates] [--no-xpack] [--no-security] [--rollover-max-docs N]\n"
         "              [--lack-privilege create_doc,manage_ilm]\n"
         "Fault specs: item:429|503|400|403|404[:p=P|:n=N|:id=ID[,ID]]\n"
         "             bulk:429|502|503|reset|reset_body|stall|delay=200ms[:p=P|:n=N][:delay=D]\n";
}

std::variant<options, std::string> parse_options(const std::vector<std::string>& args) {
  options o;
  bool ds_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "--help" || flag == "-h") {
      o.help = true;
      continue;
    }
    if (flag == "--no-builtin-templates" || flag == "--no-xpack" || flag == "--no-security") {
      if (inline_value) return flag + " takes no value";
      (flag == "--no-xpack" ? o.no_xpack : flag == "--no-security" ? o.no_security : o.no_builtin_templates) = true;
      continue;
    }
    static constexpr std::string_view known[] = {"--listen",
                                                 "--port-file",
                                                 "--tls-cert",
                                                 "--tls-key",
                                                 "--tls-client-ca",
                                                 "--api-key-file",
                                                 "--basic-file",
                                                 "--bearer-file",
                                                 "--version",
                                                 "--data-stream-pattern",
                                                 "--max-content-length",
                                                 "--fault",
                                                 "--seed",
                                                 "--rollover-max-docs",
                                                 "--lack-privilege"};
    bool is_known = false;
    for (const auto k : known) is_known = is_known || flag == k;
    if (!is_known) return "unknown flag '" + flag + "' (see --help)";
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    auto v = value();
    if (!v) return flag + " needs a value";
    if (flag == "--listen")
      o.listen = *v;
    else if (flag == "--port-file")
      o.port_file = *v;
    else if (flag == "--tls-cert")
      o.tls_cert = *v;
    else if (flag == "--tls-key")
      o.tls_key = *v;
    else if (flag == "--tls-client-ca")
      o.tls_client_ca = *v;
    else if (flag == "--api-key-file")
      o.api_key_file = *v;
    else if (flag == "--basic-file")
      o.basic_file = *v;
    else if (flag == "--bearer-file")
      o.bearer_file = *v;
    else if (flag == "--version")
      o.version = *v;
    else if (flag == "--data-stream-pattern") {
      if (!ds_given) o.data_stream_patterns.clear();
      ds_given = true;
      std::string_view list = *v;
      while (!list.empty()) {  // a comma list, as in index_patterns; '' means no data streams at all
        const auto comma = list.find(',');
        if (comma != 0) o.data_stream_patterns.emplace_back(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      }
    } else if (flag == "--max-content-length") {
      auto n = parse_byte_size(*v);
      if (auto* e = std::get_if<std::string>(&n)) return "--max-content-length: " + *e;
      o.max_content_length = std::get<std::uint64_t>(n);
    } else if (flag == "--fault") {
      auto f = parse_fault(*v);
      if (auto* e = std::get_if<std::string>(&f)) return "--fault: " + *e;
      o.faults.push_back(std::get<fault_rule>(std::move(f)));
    } else if (flag == "--rollover-max-docs") {
      const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), o.rollover_max_docs);
      if (ec != std::errc{} || p != v->data() + v->size() || o.rollover_max_docs == 0)
        return "--rollover-max-docs: '" + *v + "' is not a positive integer";
    } else if (flag == "--lack-privilege") {
      std::string_view list = *v;
      while (!list.empty()) {
        const auto comma = list.find(',');
        if (comma != 0) o.lacking_privileges.emplace_back(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      }
    } else if (flag == "--seed") {
      const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), o.seed);
      if (ec != std::errc{} || p != v->data() + v->size()) return "--seed: '" + *v + "' is not an integer";
    }
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) return "--tls-cert and --tls-key go together";
  if (!o.tls_client_ca.empty() && o.tls_cert.empty()) return "--tls-client-ca needs --tls-cert and --tls-key";
  // A cluster without security checks no credentials and has no privileges to lack.
  if (o.no_security && (!o.api_key_file.empty() || !o.basic_file.empty() || !o.bearer_file.empty()))
    return "--no-security cannot be combined with --api-key-file, --basic-file or --bearer-file";
  if (o.no_security && !o.lacking_privileges.empty()) return "--no-security cannot be combined with --lack-privilege";
  return o;
}

}  // namespace sfsim::es
