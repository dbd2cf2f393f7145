// Pure paging rules for auditsV2: parameter parsing, count clamp, which events a page holds, Link URLs.
#include "sim/scaleft/paging.hpp"

#include <algorithm>
#include <charconv>

namespace sfsim::scaleft {

std::optional<std::size_t> parse_count(std::string_view text) {
  long long value = 0;
  const auto* first = text.data();
  if (!text.empty() && text.front() == '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), value);
  if (text.empty() || ptr != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range && text.front() != '-') return max_count;
  if (ec != std::errc{} || value <= 0) return std::nullopt;
  return std::min<std::size_t>(static_cast<std::size_t>(value), max_count);
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "1" || text == "t" || text == "T" || text == "true" || text == "TRUE" || text == "True")
    return true;
  if (text == "0" || text == "f" || text == "F" || text == "false" || text == "FALSE" || text == "False")
    return false;
  return std::nullopt;
}

std::variant<page_request, std::string> parse_page_request(const query_params& q) {
  page_request req;
  if (auto v = find_param(q, "offset"); v && !v->empty()) req.offset = *v;
  if (auto v = find_param(q, "count")) {
    auto c = parse_count(*v);
    if (!c) return std::string("count must be a positive integer");
    req.count = *c;
  }
  if (auto v = find_param(q, "descending")) {
    auto b = parse_bool(*v);
    if (!b) return std::string("descending must be true or false");
    req.descending = *b;
  }
  if (auto v = find_param(q, "prev")) {
    auto b = parse_bool(*v);
    if (!b) return std::string("prev must be true or false");
    req.prev = *b;
  }
  return req;
}

page_window select_page(std::optional<std::size_t> offset_pos, std::size_t retained_begin, std::size_t size,
                        std::size_t count, bool descending, bool prev) {
  page_window w;
  w.descending = descending;
  // Walk towards higher positions when listing oldest first, or when paging back from a newest-first list.
  const bool upward = descending == prev;
  if (upward) {
    std::size_t start = offset_pos ? *offset_pos + 1 : retained_begin;
    start = std::max(start, retained_begin);
    w.begin = std::min(start, size);
    w.end = std::min(size, w.begin + count);
  } else {
    std::size_t stop = offset_pos ? std::min(*offset_pos, size) : size;
    stop = std::max(stop, retained_begin);
    w.end = stop;
    w.begin = stop - std::min(count, stop - retained_begin);
  }
  return w;
}

std::string build_page_url(std::string_view scheme, std::string_view host, std::string_view team,
                           std::size_t count, const std::optional<std::string>& offset, bool descending,
                           bool prev) {
  std::string url;
  url.reserve(96 + host.size());
  url.append(scheme).append("://").append(host).append("/v1/teams/").append(sf::text::percent_encode(team));
  url.append("/auditsV2?count=").append(std::to_string(count));
  if (offset) url.append("&offset=").append(sf::text::percent_encode(*offset));
  if (descending) url.append("&descending=true");
  if (prev) url.append("&prev=true");
  return url;
}

std::string build_link_header(std::string_view scheme, std::string_view host, std::string_view team,
                              const page_request& req, const std::optional<std::string>& first_id,
                              const std::optional<std::string>& last_id, bool with_next) {
  const auto& next_offset = last_id ? last_id : req.offset;
  const auto& prev_offset = first_id ? first_id : req.offset;
  std::string out;
  if (with_next) {
    out = "<" + build_page_url(scheme, host, team, req.count, next_offset, req.descending, false) +
          ">; rel=\"next\", ";
  }
  out += "<" + build_page_url(scheme, host, team, req.count, prev_offset, req.descending, true) +
         ">; rel=\"prev\"";
  return out;
}

}  // namespace sfsim::scaleft
