// Authentication as Elasticsearch checks it: ApiKey, Basic or Bearer, any configured scheme accepted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfsim::es {

struct credentials {
  std::optional<std::string> api_key;  // "id:key"
  std::optional<std::string> basic;    // "user:password"
  std::optional<std::string> bearer;   // the token
  bool any() const { return api_key || basic || bearer; }
};

enum class auth_outcome { ok, missing, invalid, several_headers };

struct auth_result {
  auth_outcome outcome = auth_outcome::ok;
  std::string principal;  // the user named by a rejected Basic header, for the message
};

// `headers`: every Authorization header value of the request. With no credentials configured, all pass.
auth_result check_auth(const credentials& creds, const std::vector<std::string_view>& headers);

// Reads "id:key", "user:password" or a token from a file (trailing newline dropped); throws naming the
// file when it is missing, empty, or lacks the ':' it needs. Start-up only.
std::string read_secret_file(const std::string& path, bool needs_colon);

}  // namespace sfsim::es
