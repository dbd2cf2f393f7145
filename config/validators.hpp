// Checks of single configuration values (URLs, addresses, index and sink names, programs): "" when valid.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sf::config {

struct url_check {
  std::string normalized;
  std::string problem;  // empty when the URL is acceptable
};

// An http(s) URL without credentials, query or fragment; plain http:// only for a loopback host unless
// `remote_http_ok` (the caller checks the opt-in; see remote_plain_http).
url_check check_url(std::string_view url, bool remote_http_ok = false);

// True for a normalized http:// URL whose host is not loopback: what allow_insecure_http must opt into.
bool remote_plain_http(std::string_view normalized_url);

// The refusal of such a URL without the opt-in, naming the opt-in key.
std::string remote_plain_http_problem(std::string_view opt_in_key);

// True for localhost, 127.0.0.0/8 and ::1: the only hosts plain http:// is allowed to reach.
bool is_loopback_host(std::string_view host);

// Elastic Cloud id `label:base64(host[:port]$es_uuid[:port]$kibana_uuid)` ->
// "https://<es_uuid>.<host>:<port>" (port 443 when none is given). nullopt when the id is malformed.
std::optional<std::string> cloud_id_to_url(std::string_view cloud_id);

// proxy_url: `none`, or an http:// proxy URL (see http::parse_proxy_url) without a password: the password
// belongs in proxy_password_file, where it is not shown with the URL.
std::string proxy_url_problem(std::string_view text);

// http.listen: "" (off) or host:port with an IP literal or localhost as host.
std::string listen_address_problem(std::string_view listen);

// Elasticsearch index and data stream names: lowercase, none of the characters ES forbids.
std::string index_name_problem(std::string_view name);
// An `index` value: a fixed name, or one with %{+...} date fields whose every resolution must be a valid
// name.
std::string index_problem(std::string_view text);
// A `data_stream` value: a valid name of the form <type>-<dataset>-<namespace>, without date fields.
std::string data_stream_problem(std::string_view name);

// A sink name: a-z, 0-9, _ and - only (it names files and metrics).
std::string sink_name_problem(std::string_view name);

// Why `program` cannot be run, or "" when it can: an absolute path to an executable file, or a name found
// on `search_path` (PATH's value; nullopt when PATH is not set).
std::string program_problem(const std::string& program, const std::optional<std::string>& search_path);

}  // namespace sf::config
