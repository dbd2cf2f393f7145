// Authentication as Elasticsearch checks it: ApiKey, Basic or Bearer, any configured scheme accepted.
#include "sim/elasticsearch/auth.hpp"

#include "sim/elasticsearch/json_text.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sfsim::es {

namespace {

// Compares without an early exit, so timing does not tell how much of a secret was right.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || b.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

auth_result check_auth(const credentials& creds, const std::vector<std::string_view>& headers) {
  if (headers.size() > 1) return {auth_outcome::several_headers, {}};
  if (!creds.any()) return {};
  if (headers.empty()) return {auth_outcome::missing, {}};
  const std::string_view value = trim(headers.front());
  const auto space = value.find(' ');
  const std::string_view scheme = value.substr(0, space);
  const std::string_view token =
      space == std::string_view::npos ? std::string_view{} : trim(value.substr(space + 1));
  std::string decoded;
  if (iequals(scheme, "ApiKey") && creds.api_key) {
    if (base64_decode(token, decoded) && same_secret(decoded, *creds.api_key)) return {};
    return {auth_outcome::invalid, {}};
  }
  if (iequals(scheme, "Basic") && creds.basic) {
    if (!base64_decode(token, decoded)) return {auth_outcome::invalid, {}};
    if (same_secret(decoded, *creds.basic)) return {};
    return {auth_outcome::invalid, decoded.substr(0, decoded.find(':'))};
  }
  if (iequals(scheme, "Bearer") && creds.bearer) {
    if (same_secret(token, *creds.bearer)) return {};
    return {auth_outcome::invalid, {}};
  }
  return {auth_outcome::invalid, {}};
}

std::string read_secret_file(const std::string& path, bool needs_colon) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read credentials file " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string text(trim(ss.str()));
  if (text.empty()) throw std::runtime_error("credentials file " + path + " is empty");
  if (needs_colon && text.find(':') == std::string::npos)
    throw std::runtime_error("credentials file " + path + " must hold NAME:SECRET on one line");
  return text;
}

}  // namespace sfsim::es
