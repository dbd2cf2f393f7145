// Pure _bulk logic: body encoding, request splitting, response parsing and status classification.
#include "sinks/elasticsearch/bulk.hpp"

#include "common/http/basic_auth.hpp"
#include "common/json/json_escape.hpp"
#include "common/log/logger.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

namespace sf::sinks::elasticsearch {

namespace od = simdjson::ondemand;

item_outcome classify_item(int status) {
  if (status >= 200 && status < 300) return item_outcome::stored;
  if (status == 409) return item_outcome::duplicate;
  if (status == 429 || status >= 500) return item_outcome::retry;
  if (status == 401 || status == 403 || status == 404) return item_outcome::retry_slow;
  if (status >= 400 && status < 500) return item_outcome::dead_letter;
  // 1xx/3xx or a missing status: nothing says the document is bad, so it must not be dropped.
  return item_outcome::retry;
}

request_outcome classify_request(int http_status) {
  if (http_status >= 200 && http_status < 300) return request_outcome::parse_items;
  if (http_status == 413) return request_outcome::split;
  if (http_status == 429 || http_status >= 500 || http_status < 200) return request_outcome::retry;
  if (http_status >= 400) return request_outcome::retry_slow;
  return request_outcome::retry;  // 3xx: a proxy misconfiguration that may be fixed; never drop
}

namespace {

// simdjson needs SIMDJSON_PADDING readable bytes past the end; a copy is the simple, safe way.
std::string_view get_string(od::value v) {
  std::string_view s;
  if (v.get_string().get(s)) return {};
  return s;
}

}  // namespace

bulk_response parse_bulk_response(std::string_view body, std::size_t expected_items) {
  bulk_response out;
  thread_local od::parser parser;
  simdjson::padded_string padded(body);
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc); e) {
    out.error = std::string("response is not JSON: ") + simdjson::error_message(e);
    return out;
  }
  od::object root;
  if (doc.get_object().get(root)) {
    out.error = "response is not a JSON object";
    return out;
  }
  bool saw_items = false;
  out.items.reserve(expected_items);
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) {
      out.error = "malformed response";
      break;
    }
    if (key != "items") continue;
    saw_items = true;
    od::array items;
    if (field.value().get_array().get(items)) {
      out.error = "items is not an array";
      break;
    }
    for (auto item : items) {
      od::object wrapper;
      if (item.get_object().get(wrapper)) {
        out.error = "an item is not an object";
        break;
      }
      item_result r;
      // Each item is {"<op>":{...}}: the op name does not matter, only its content.
      for (auto op : wrapper) {
        od::object inner;
        if (op.value().get_object().get(inner)) break;
        for (auto f : inner) {
          std::string_view k;
          if (f.unescaped_key().get(k)) break;
          if (k == "status") {
            std::int64_t st = 0;
            if (!f.value().get_int64().get(st)) r.status = static_cast<int>(st);
          } else if (k == "error") {
            od::value ev;
            if (f.value().get(ev)) continue;
            od::json_type t;
            if (ev.type().get(t)) continue;
            if (t == od::json_type::string) {
              r.error_reason = std::string(get_string(ev));
            } else if (t == od::json_type::object) {
              for (auto ef : ev.get_object()) {
                std::string_view ek;
                if (ef.unescaped_key().get(ek)) break;
                if (ek == "type")
                  r.error_type = std::string(get_string(ef.value()));
                else if (ek == "reason")
                  r.error_reason = std::string(get_string(ef.value()));
              }
            }
          }
        }
        break;
      }
      out.items.push_back(std::move(r));
    }
    break;
  }
  if (out.error.empty() && !saw_items) out.error = "response has no items";
  if (out.error.empty() && out.items.size() != expected_items) {
    out.error = "response has " + std::to_string(out.items.size()) + " items for " +
                std::to_string(expected_items) + " actions";
  }
  if (out.error.empty()) {
    for (const auto& r : out.items) {
      if (r.status == 0) {
        out.error = "an item has no status";
        break;
      }
    }
  }
  if (!out.error.empty()) out.items.clear();
  return out;
}

request_error parse_request_error(std::string_view body) {
  request_error out;
  thread_local od::parser parser;
  simdjson::padded_string padded(body);
  od::document doc;
  od::object root;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(root)) {
    // HTML from a proxy, or an empty 413: keep a short, single-line excerpt for the log.
    std::string excerpt(body.substr(0, 200));
    for (auto& c : excerpt) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    out.reason = excerpt;
    return out;
  }
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) break;
    if (key != "error") continue;
    od::value v;
    if (field.value().get(v)) break;
    od::json_type t;
    if (v.type().get(t)) break;
    if (t == od::json_type::string) {
      out.reason = std::string(get_string(v));
    } else if (t == od::json_type::object) {
      for (auto ef : v.get_object()) {
        std::string_view ek;
        if (ef.unescaped_key().get(ek)) break;
        if (ek == "type")
          out.type = std::string(get_string(ef.value()));
        else if (ek == "reason")
          out.reason = std::string(get_string(ef.value()));
      }
    }
    break;
  }
  return out;
}

std::optional<std::string> parse_version_number(std::string_view body) {
  thread_local od::parser parser;
  simdjson::padded_string padded(body);
  od::document doc;
  if (parser.iterate(padded).get(doc)) return std::nullopt;
  std::string_view number;
  if (doc.at_pointer("/version/number").get_string().get(number)) return std::nullopt;
  return std::string(number);
}

int major_version(std::string_view version) {
  int major = 0;
  auto [p, ec] = std::from_chars(version.data(), version.data() + version.size(), major);
  if (ec != std::errc{} || p == version.data()) return 0;
  return major;
}

namespace {

constexpr std::string_view action_head = R"({"create":{"_index":")";
constexpr std::string_view action_mid = R"(","_id":")";
constexpr std::string_view action_tail = "\"}}\n";

// Where document i takes `ingested`: where the renderer recorded its "event" object (event_batch::unknown is
// npos, so an unrecorded one is scanned for).
std::size_t event_at(const audit::event_batch& batch, std::uint32_t i, const document_extras& x) {
  static_assert(audit::event_batch::unknown == std::string_view::npos);
  return splice_point(batch.document(i), x, batch.event_members(i));
}

// Document i's shape at `at`: as the batch recorded it, so its bytes are not read again, unless `at` was
// found by a scan (the bytes are in the cache then anyway). With no splice point (npos) only closes_object
// is read.
document_shape shape_at(const audit::event_batch& batch, std::uint32_t i, std::size_t at) {
  if (at != std::string_view::npos && at != batch.event_members(i))
    return audit::shape_of(batch.document(i), at);
  return batch.shape(i);
}

}  // namespace

void append_action(std::string& out, std::string_view target, std::string_view id) {
  out.append(action_head);
  json::append_json_escaped(out, target);
  out.append(action_mid);
  json::append_json_escaped(out, id);
  out.append(action_tail);
}

std::size_t item_bytes(std::string_view target, std::string_view id, std::string_view document) {
  // Escaping can only grow a string, so measure exactly rather than guess.
  return action_head.size() + json::escaped_size(target) + action_mid.size() + json::escaped_size(id) +
         action_tail.size() + document.size() + 1;
}

std::size_t item_bytes(const bulk_format& f, const audit::event_batch& batch, std::uint32_t i) {
  const std::string_view target = f.target_of(i);
  const std::size_t at = event_at(batch, i, f.extras);
  const std::size_t document = document_size(batch.document(i).size(), f.extras, at, shape_at(batch, i, at));
  return action_head.size() + json::escaped_size(target) + action_mid.size() +
         json::escaped_size(batch.id(i)) + action_tail.size() + document + 1;
}

namespace {

// Every item's action line and document, in order, to a string (all copied) or to pieces (action lines
// copied, documents viewed): the one loop both bodies are written by.
template <class Out>
void encode_items(Out& out, const audit::event_batch& batch, const std::vector<std::uint32_t>& items,
                  const bulk_format& f) {
  // For one index, the action line's prefix up to the id is the same for every item: escape the target once.
  std::string head(action_head);
  if (!f.targets) {
    json::append_json_escaped(head, f.target);
    head.append(action_mid);
  }
  for (auto i : items) {
    out.action([&](std::string& s) {
      if (f.targets) {  // event-time names: each item has its own index
        append_action(s, f.target_of(i), batch.id(i));
      } else {
        s.append(head);
        json::append_json_escaped(s, batch.id(i));
        s.append(action_tail);
      }
    });
    out.document(batch, i, f.extras);
  }
}

struct into_string {
  std::string& s;
  template <class Write>
  void action(Write&& write) {
    write(s);
  }
  void document(const audit::event_batch& batch, std::uint32_t i, const document_extras& x) {
    append_document(s, batch.document(i), x, event_at(batch, i, x));
    s.push_back('\n');
  }
};

struct into_pieces {
  text::text_pieces& p;
  template <class Write>
  void action(Write&& write) {
    p.append_copy_with(write);
  }
  void document(const audit::event_batch& batch, std::uint32_t i, const document_extras& x) {
    const std::size_t at = event_at(batch, i, x);
    append_document_line(p, batch.document_line(i), x, at, shape_at(batch, i, at));
  }
};

}  // namespace

std::string encode_bulk_body(const audit::event_batch& batch, const std::vector<std::uint32_t>& items,
                             const bulk_format& f) {
  std::string body;
  std::size_t total = 0;
  for (auto i : items) total += item_bytes(f, batch, i);
  body.reserve(total);
  into_string out{body};
  encode_items(out, batch, items, f);
  return body;
}

text::text_pieces encode_bulk_pieces(const audit::event_batch& batch, const std::vector<std::uint32_t>& items,
                                     const bulk_format& f) {
  text::text_pieces body;
  // An action line and a document per item; splicing adds a piece or two more each.
  body.reserve(2 * items.size() + (f.extras.empty() ? 0 : 3 * items.size()), 80 * items.size());
  into_pieces out{body};
  encode_items(out, batch, items, f);
  return body;
}

std::string encode_bulk_body(const audit::event_batch& batch, const std::vector<std::uint32_t>& items,
                             std::string_view target) {
  bulk_format f;
  f.target = target;
  return encode_bulk_body(batch, items, f);
}

std::vector<std::vector<std::uint32_t>> split_requests(const audit::event_batch& batch,
                                                       const std::vector<std::uint32_t>& items,
                                                       const bulk_format& f, std::size_t max_events,
                                                       std::size_t max_bytes) {
  std::vector<std::vector<std::uint32_t>> out;
  std::vector<std::uint32_t> current;
  std::size_t bytes = 0;
  max_events = std::max<std::size_t>(1, max_events);
  for (auto i : items) {
    const std::size_t n = item_bytes(f, batch, i);
    if (!current.empty() && (current.size() >= max_events || bytes + n > max_bytes)) {
      out.push_back(std::move(current));
      current.clear();
      bytes = 0;
    }
    current.push_back(i);
    bytes += n;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::vector<std::vector<std::uint32_t>> split_requests(const audit::event_batch& batch,
                                                       const std::vector<std::uint32_t>& items,
                                                       std::string_view target, std::size_t max_events,
                                                       std::size_t max_bytes) {
  bulk_format f;
  f.target = target;
  return split_requests(batch, items, f, max_events, max_bytes);
}

std::string authorization_value(const config::elasticsearch_sink_config& cfg) {
  if (!cfg.api_key.empty()) return "ApiKey " + cfg.api_key.value;
  if (!cfg.username.empty()) return http::basic_authorization(cfg.username, cfg.password.value);
  if (!cfg.bearer_token.empty()) return "Bearer " + cfg.bearer_token.value;
  return {};
}

std::string_view auth_kind(const config::elasticsearch_sink_config& cfg) {
  if (!cfg.api_key.empty()) return "api_key";
  if (!cfg.username.empty()) return "basic";
  if (!cfg.bearer_token.empty()) return "bearer";
  return "none";
}

std::string dead_letter_line(std::string_view time, std::string_view sink, std::string_view target,
                             std::string_view id, const item_result& r, std::string_view document) {
  std::string s = R"({"time":")";
  json::append_json_escaped(s, time);
  s.append(R"(","sink":")");
  json::append_json_escaped(s, sink);
  s.append(R"(","index":")");
  json::append_json_escaped(s, target);
  s.append(R"(","event_id":")");
  json::append_json_escaped(s, id);
  s.append(R"(","status":)").append(std::to_string(r.status));
  s.append(R"(,"error_type":")");
  json::append_json_escaped(s, r.error_type);
  s.append(R"(","error_reason":")");
  json::append_json_escaped(s, r.error_reason);
  // The document is already one line of valid JSON (the renderer guarantees it): embed it as is.
  s.append(R"(","document":)").append(document).append("}\n");
  return s;
}

}  // namespace sf::sinks::elasticsearch
