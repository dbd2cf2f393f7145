// Content-Type / Accept negotiation for REST requests, as Elasticsearch 8 does it (pure, no I/O).
#include "sim/elasticsearch/media_type.hpp"

#include "sim/elasticsearch/json_text.hpp"

#include <charconv>

namespace sfsim::es {

namespace {

constexpr int current_major = 8;

struct parsed_media {
  std::string_view type;  // "application/x-ndjson", lower-case comparison later
  std::optional<int> compatible_with;
  bool bad_version = false;
};

parsed_media parse_media(std::string_view value) {
  parsed_media m;
  auto semi = value.find(';');
  m.type = trim(value.substr(0, semi));
  while (semi != std::string_view::npos) {
    value = value.substr(semi + 1);
    semi = value.find(';');
    const auto param = trim(value.substr(0, semi));
    const auto eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (!iequals(trim(param.substr(0, eq)), "compatible-with")) continue;
    const auto v = trim(param.substr(eq + 1));
    int n = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size())
      m.bad_version = true;
    else
      m.compatible_with = n;
  }
  return m;
}

bool is_vendor(std::string_view type) {
  return iequals(type, "application/vnd.elasticsearch+json") ||
         iequals(type, "application/vnd.elasticsearch+x-ndjson");
}

bool readable(std::string_view type) {
  return iequals(type, "application/json") || iequals(type, "application/x-ndjson") || is_vendor(type);
}

media_rejection compat_error(std::string reason) {
  rest_error e{
      400, "media_type_header_exception", "Invalid media-type value on headers [Content-Type, Accept]", {}};
  e.extra.emplace_back("caused_by", "{\"type\":\"status_exception\",\"reason\":" + json_string(reason) + "}");
  return {400, render_rest_error(e)};
}

}  // namespace

std::variant<media_ok, media_rejection> check_media(std::string_view content_type, std::string_view accept,
                                                    bool has_body) {
  const parsed_media ct = parse_media(content_type);
  const parsed_media ac = parse_media(accept);
  if (has_body && (content_type.empty() || !readable(ct.type))) {
    return media_rejection{
        406,
        render_string_error("Content-Type header [" + std::string(content_type) + "] is not supported", 406)};
  }
  const bool ct_compat = has_body && is_vendor(ct.type);
  const bool ac_compat = is_vendor(ac.type);
  const std::string both =
      "Accept=" + std::string(accept) + ", Content-Type=" + std::string(has_body ? content_type : "");
  if ((ct_compat && (ct.bad_version || !ct.compatible_with)) ||
      (ac_compat && (ac.bad_version || !ac.compatible_with)))
    return compat_error(
        "A compatible version is required on both Content-Type and Accept headers if either one "
        "has requested a compatible version and the compatible versions must match. " +
        both);
  if (has_body && ct_compat != ac_compat) {
    return compat_error(
        "A compatible version is required on both Content-Type and Accept headers if either one "
        "has requested a compatible version and the compatible versions must match. " +
        both);
  }
  if (ct_compat && *ct.compatible_with != *ac.compatible_with) {
    return compat_error(
        "A compatible version is required on both Content-Type and Accept headers if either one "
        "has requested a compatible version and the compatible versions must match. " +
        both);
  }
  media_ok ok;
  if (ac_compat) {
    const int v = *ac.compatible_with;
    if (v != current_major && v != current_major - 1)
      return compat_error("Accept version must be either version " + std::to_string(current_major) + " or " +
                          std::to_string(current_major - 1) + ", but found " + std::to_string(v) + ". " +
                          both);
    ok.compatible_with = v;
  }
  return ok;
}

std::string response_content_type(const media_ok& m) {
  if (m.compatible_with)
    return "application/vnd.elasticsearch+json;compatible-with=" + std::to_string(*m.compatible_with);
  return "application/json";
}

}  // namespace sfsim::es
