// A batch of audit events already rendered as ECS documents, kept in two flat arenas (no per-event heap).
#pragma once

#include "common/text/text_buffer.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sf::audit {

// Two facts of a document's bytes that a sink splicing fields into it needs besides copying them: whether it
// ends with the `}` of its top-level object, and whether the "event" object whose members start at
// `event_members` is empty (`{}`; false when that offset is npos).
struct document_shape {
  bool closes_object = false;
  bool event_empty = false;
};
inline document_shape shape_of(std::string_view doc, std::size_t event_members) {
  document_shape s;
  s.closes_object = !doc.empty() && doc.back() == '}';
  s.event_empty =
      event_members != std::string_view::npos && event_members < doc.size() && doc[event_members] == '}';
  return s;
}

class event_batch {
 public:
  // Where a document's top-level "event" object has its members, when the renderer said so.
  static constexpr std::size_t unknown = std::string_view::npos;

  // Appends one event: `document` is one line of JSON without the trailing newline; `event_members` is the
  // offset in it just past the `{` of its top-level "event" object, if known (see event_members()).
  void add(std::string_view id, std::string_view timestamp, std::string_view document,
           std::size_t event_members = unknown) {
    entry e;
    e.event_at = known_offset(event_members);
    e.key_off = static_cast<std::uint32_t>(keys_.size());
    e.id_len = static_cast<std::uint32_t>(id.size());
    e.ts_len = static_cast<std::uint32_t>(timestamp.size());
    keys_.append(id).append(timestamp);
    e.doc_off = documents_.size();
    e.doc_len = static_cast<std::uint32_t>(document.size());
    e.shape = shape_of(document, recorded(e));
    documents_.append(document).push_back('\n');
    entries_.push_back(e);
  }

  // For renderers that write the document straight into the arena: begin, append to documents(), commit.
  text::text_buffer& begin_document() { return documents_; }
  // `event_members` as for add(), counted from `doc_start`.
  void commit_document(std::string_view id, std::string_view timestamp, std::size_t doc_start,
                       std::size_t event_members = unknown) {
    entry e;
    e.event_at = known_offset(event_members);
    e.key_off = static_cast<std::uint32_t>(keys_.size());
    e.id_len = static_cast<std::uint32_t>(id.size());
    e.ts_len = static_cast<std::uint32_t>(timestamp.size());
    keys_.append(id).append(timestamp);
    e.doc_off = doc_start;
    e.doc_len = static_cast<std::uint32_t>(documents_.size() - doc_start);
    e.shape = shape_of(std::string_view(documents_.data() + doc_start, e.doc_len), recorded(e));
    documents_.push_back('\n');
    entries_.push_back(e);
  }
  // Makes room for `events` more events and `document_bytes` more document text in one allocation each, so a
  // renderer that knows the size ahead avoids growing the arena by doubling (a page's chain of 64 KB..2 MB
  // blocks fragments the heap, and the freed steps stay resident).
  void reserve(std::size_t events, std::size_t document_bytes) {
    if (documents_.capacity() < documents_.size() + document_bytes)
      documents_.reserve(documents_.size() + document_bytes);
    if (entries_.capacity() < entries_.size() + events) entries_.reserve(entries_.size() + events);
  }
  // Drops a document begun with begin_document() and not committed.
  void abandon_document(std::size_t doc_start) { documents_.resize(doc_start); }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::string_view id(std::size_t i) const {
    return {keys_.data() + entries_[i].key_off, entries_[i].id_len};
  }
  std::string_view timestamp(std::size_t i) const {
    return {keys_.data() + entries_[i].key_off + entries_[i].id_len, entries_[i].ts_len};
  }
  // The ECS document of event i, without its newline.
  std::string_view document(std::size_t i) const {
    return {documents_.data() + entries_[i].doc_off, entries_[i].doc_len};
  }
  // The document of event i with its '\n', as the arena keeps it.
  std::string_view document_line(std::size_t i) const {
    return {documents_.data() + entries_[i].doc_off, std::size_t{entries_[i].doc_len} + 1};
  }
  // The offset in document(i) just past the `{` that opens its top-level "event" object, as the renderer
  // recorded it (a sink splicing fields in there need not scan for it), or `unknown`.
  std::size_t event_members(std::size_t i) const { return recorded(entries_[i]); }
  // shape_of(document(i), event_members(i)), taken while the bytes were still in the cache: reading them
  // again when a page is sent, long after it was rendered, costs a cache miss per document (~5 % of the
  // Elasticsearch path's CPU).
  document_shape shape(std::size_t i) const { return entries_[i].shape; }
  // Every document, each followed by '\n': exactly the NDJSON a file sink appends.
  std::string_view ndjson() const { return documents_.view(); }
  // Bytes held, for memory accounting.
  std::size_t bytes() const { return documents_.size() + keys_.size() + entries_.size() * sizeof(entry); }

  // A position in the batch, to take back everything appended after it (a page found malformed half-way).
  struct mark {
    std::size_t events = 0;
    std::size_t document_bytes = 0;
    std::size_t key_bytes = 0;
  };
  mark position() const { return {entries_.size(), documents_.size(), keys_.size()}; }
  void rollback(const mark& m) {
    if (m.events > entries_.size()) return;
    entries_.resize(m.events);
    documents_.resize(m.document_bytes);
    keys_.resize(m.key_bytes);
  }

  void clear() {
    documents_.clear();
    keys_.clear();
    entries_.clear();
  }

 private:
  struct entry {
    std::uint64_t doc_off;
    std::uint32_t doc_len;
    std::uint32_t key_off;
    std::uint32_t id_len;
    std::uint32_t ts_len;
    std::uint32_t event_at;  // 0: unknown (no document's "event" members start at its first byte)
    document_shape shape;
  };
  static std::size_t recorded(const entry& e) { return e.event_at ? std::size_t{e.event_at} : unknown; }
  static std::uint32_t known_offset(std::size_t at) {
    return at == unknown || at > UINT32_MAX ? 0 : static_cast<std::uint32_t>(at);
  }
  text::text_buffer documents_;  // not std::string: the renderer's many small appends stay inline
  text::text_buffer keys_;
  std::vector<entry> entries_;
};

}  // namespace sf::audit
