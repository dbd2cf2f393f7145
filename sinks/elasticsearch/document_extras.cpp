// Splicing data_stream.* and event.ingested into a rendered document: a short scan, never a parse.
#include "sinks/elasticsearch/document_extras.hpp"

#include "common/json/json_escape.hpp"
#include "common/log/logger.hpp"

#include <cstring>

namespace sf::sinks::elasticsearch {

std::string data_stream_tail(std::string_view name) {
  const auto first = name.find('-');
  const auto last = name.rfind('-');
  if (first == std::string_view::npos || first == last) return {};
  std::string s = R"(,"data_stream":{"type":")";
  json::append_json_escaped(s, name.substr(0, first));
  s.append(R"(","dataset":")");
  json::append_json_escaped(s, name.substr(first + 1, last - first - 1));
  s.append(R"(","namespace":")");
  json::append_json_escaped(s, name.substr(last + 1));
  s.append("\"}}");
  return s;
}

std::string ingested_field(std::string_view time) {
  std::string s = R"("ingested":")";
  json::append_json_escaped(s, time);
  s.push_back('"');
  return s;
}

namespace {

// The offset past the JSON string that opens at `i` (a '"'), or npos. A quote ends the string unless an odd
// run of backslashes precedes it; memchr finds the candidates (a message is tens of bytes, scanned per item).
std::size_t skip_string(std::string_view d, std::size_t i) {
  const std::size_t open = i;
  for (std::size_t from = i + 1; from < d.size();) {
    const void* hit = std::memchr(d.data() + from, '"', d.size() - from);
    if (!hit) return std::string_view::npos;
    const std::size_t q = static_cast<std::size_t>(static_cast<const char*>(hit) - d.data());
    std::size_t backslashes = 0;
    while (q - backslashes - 1 > open && d[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q + 1;
    from = q + 1;
  }
  return std::string_view::npos;
}

// The offset past the JSON value that starts at `i`, or npos.
std::size_t skip_value(std::string_view d, std::size_t i) {
  if (i >= d.size()) return std::string_view::npos;
  if (d[i] == '"') return skip_string(d, i);
  if (d[i] != '{' && d[i] != '[') {
    while (i < d.size() && d[i] != ',' && d[i] != '}' && d[i] != ']') ++i;
    return i;
  }
  int depth = 0;
  for (; i < d.size(); ++i) {
    const char c = d[i];
    if (c == '"') {
      i = skip_string(d, i);
      if (i == std::string_view::npos) return i;
      --i;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t event_object_start(std::string_view d) {
  // The renderer writes compact JSON: `{"key":value,"key":value...}` with no whitespace.
  if (d.empty() || d[0] != '{') return std::string_view::npos;
  // The renderer's own order, `{"@timestamp":"<time>","event":{`: a time has no escapes, so one search finds it.
  constexpr std::string_view ts_key = R"({"@timestamp":")";
  constexpr std::string_view event_key = R"(,"event":{)";
  if (d.substr(0, ts_key.size()) == ts_key) {
    const auto close = d.find('"', ts_key.size());
    if (close != std::string_view::npos && d[close - 1] != '\\' && d.substr(close + 1, event_key.size()) == event_key)
      return close + 1 + event_key.size();
  }
  std::size_t i = 1;
  while (i < d.size() && d[i] == '"') {
    const std::size_t key_end = skip_string(d, i);
    if (key_end == std::string_view::npos || key_end >= d.size() || d[key_end] != ':')
      return std::string_view::npos;
    const std::string_view key = d.substr(i + 1, key_end - i - 2);
    const std::size_t value = key_end + 1;
    if (key == "event") return value < d.size() && d[value] == '{' ? value + 1 : std::string_view::npos;
    i = skip_value(d, value);
    if (i == std::string_view::npos || i >= d.size() || d[i] != ',') return std::string_view::npos;
    ++i;
  }
  return std::string_view::npos;
}

namespace {

// The one splicing rule, written to either a string (every part copied) or pieces (the document's parts
// viewed, the extras copied). Returns false, writing nothing, when there is nothing to splice.
// `at` is event_object_start(doc), or npos when there is none.
template <class Out>
bool splice(Out& out, std::string_view doc, const document_extras& x, std::size_t at, document_shape shape) {
  if (x.empty() || !shape.closes_object) return false;
  std::string_view rest = doc.substr(0, doc.size() - 1);  // without the closing brace
  bool ingested_pending = !x.ingested.empty();
  if (ingested_pending) {
    if (at != std::string_view::npos && at < doc.size()) {
      out.document(doc.substr(0, at));
      out.extra(x.ingested);
      if (!shape.event_empty) out.extra(",");
      rest = rest.substr(at);
      ingested_pending = false;
    }
  }
  out.document(rest);
  if (ingested_pending) {
    out.extra(R"(,"event":{)");
    out.extra(x.ingested);
    out.extra("}");
  }
  out.extra(x.tail.empty() ? std::string_view("}") : std::string_view(x.tail));
  return true;
}

struct to_string {
  std::string& s;
  void document(std::string_view v) { s.append(v); }
  void extra(std::string_view v) { s.append(v); }
};

struct to_pieces {
  text::text_pieces& p;
  void document(std::string_view v) { p.append_view(v); }
  void extra(std::string_view v) { p.append_copy(v); }
};

}  // namespace

std::size_t splice_point(std::string_view doc, const document_extras& x, std::size_t recorded) {
  if (x.ingested.empty()) return std::string_view::npos;
  return recorded != std::string_view::npos ? recorded : event_object_start(doc);
}

void append_document(std::string& out, std::string_view doc, const document_extras& x) {
  append_document(out, doc, x, splice_point(doc, x, std::string_view::npos));
}

void append_document(std::string& out, std::string_view doc, const document_extras& x, std::size_t event_at) {
  to_string w{out};
  if (!splice(w, doc, x, event_at, audit::shape_of(doc, event_at))) out.append(doc);
}

void append_document_line(text::text_pieces& out, std::string_view line, const document_extras& x,
                          std::size_t event_at, document_shape shape) {
  const std::string_view doc = line.substr(0, line.size() - 1);
  to_pieces w{out};
  if (splice(w, doc, x, event_at, shape))
    out.append_copy("\n");
  else
    out.append_view(line);
}

std::size_t document_size(std::string_view doc, const document_extras& x) {
  const std::size_t at = splice_point(doc, x, std::string_view::npos);
  return document_size(doc.size(), x, at, audit::shape_of(doc, at));
}

std::size_t document_size(std::size_t size, const document_extras& x, std::size_t event_at,
                          document_shape shape) {
  if (x.empty() || !shape.closes_object) return size;
  std::size_t n = size;
  if (!x.ingested.empty()) {
    if (event_at != std::string_view::npos && event_at < size)
      n += x.ingested.size() + (shape.event_empty ? 0 : 1);
    else
      n += 10 + x.ingested.size() + 1;  // ,"event":{ ... }
  }
  if (!x.tail.empty()) n += x.tail.size() - 1;
  return n;
}

}  // namespace sf::sinks::elasticsearch
