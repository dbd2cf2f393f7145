// Pure paging rules for auditsV2: parameter parsing, count clamp, which events a page holds, Link URLs.
#pragma once

#include "sim/scaleft/encoding.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sfsim::scaleft {

constexpr std::size_t default_count = 100;
constexpr std::size_t max_count = 1000;

struct page_request {
  std::optional<std::string> offset;  // an event id; empty text counts as absent
  std::size_t count = default_count;  // already clamped to [1, max_count]
  bool descending = false;
  bool prev = false;
};

// Reads offset/count/descending/prev; the error text says which parameter was wrong (becomes a 400).
std::variant<page_request, std::string> parse_page_request(const query_params& q);

// Counts above the maximum are clamped (as the spec assumes); nullopt for 0, negatives or non-numbers.
std::optional<std::size_t> parse_count(std::string_view text);
// Go's strconv.ParseBool spellings, which is what the real service accepts.
std::optional<bool> parse_bool(std::string_view text);

// The events a page holds: positions [begin, end) of the store, listed newest first when `descending`.
struct page_window {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool descending = false;
  bool empty() const { return begin >= end; }
  std::size_t size() const { return empty() ? 0 : end - begin; }
  std::size_t first_listed() const { return descending ? end - 1 : begin; }
  std::size_t last_listed() const { return descending ? begin : end - 1; }
};

// `offset_pos`: the store position of the offset event (nullopt: no offset). Served events are the
// positions [retained_begin, size). The offset is exclusive; `prev` takes the events on the other side
// of it, still listed in the chosen order.
page_window select_page(std::optional<std::size_t> offset_pos, std::size_t retained_begin, std::size_t size,
                        std::size_t count, bool descending, bool prev);

// "<scheme>://<host>/v1/teams/<team>/auditsV2?count=N&offset=X[&descending=true][&prev=true]"
std::string build_page_url(std::string_view scheme, std::string_view host, std::string_view team,
                           std::size_t count, const std::optional<std::string>& offset, bool descending,
                           bool prev);

// The Link header value for a page: next continues after its last event, prev goes back before its first.
// An empty page repeats the request's offset in both links, so a client that only follows links loops
// and a correct one stops on the empty list. `with_next` false leaves the next link out (the real service
// most likely omits it on the last page).
std::string build_link_header(std::string_view scheme, std::string_view host, std::string_view team,
                              const page_request& req, const std::optional<std::string>& first_id,
                              const std::optional<std::string>& last_id, bool with_next = true);

}  // namespace sfsim::scaleft
