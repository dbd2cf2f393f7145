// The page renderer: one simdjson on-demand pass over an auditsV2 page, ECS documents written into the batch.
#include "daemon/audit/page_renderer.hpp"

#include "daemon/audit/ecs_mapping.hpp"
#include "daemon/audit/json_text.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace sf::audit {

namespace od = simdjson::ondemand;

// Fields, elements and values are used in place (references into the iterator's result, parameters by
// reference), never moved or copied out: GCC 12 copies simdjson's iterator structs through 16-byte vector
// loads right after storing their members one by one, a store-forwarding stall per field that profiled as
// the renderer's hottest instruction (render_page 632 -> 534 us per page without the copies).

namespace {

enum class related_kind : std::uint8_t { other, user, client, server, project, group };

// A slice of the scratch arena (offsets, since the arena may grow while the index is built).
struct text_ref {
  std::uint32_t off = 0;
  std::uint32_t len = 0;
  bool empty() const { return len == 0; }
};

// One entry of related_objects, with the ECS fields pre-rendered as JSON strings (quotes included), so that
// events sharing it only copy bytes.
struct related_entry {
  text_ref key;   // unescaped, for look-ups
  text_ref tail;  // its scaleft.related_objects element from the end of "ref": `],"id":..,"object":..}`
  related_kind kind = related_kind::other;
  text_ref id, name, email, full_name, hostname, os;
  text_ref user_fields, host_fields;  // the members of its ECS user.* and host.* objects, braces left out
  std::uint64_t seen = 0;  // number of the last event that referenced it (dedups references per event)
  bool used = false;       // some event of the page references it
};

// Where an event's details point: indexes into the entries, -1 when absent.
struct event_roles {
  std::int32_t actor = -1;
  std::int32_t user = -1;
  std::int32_t target = -1;
  std::int32_t service_user = -1;
};

enum class role : std::uint8_t { none, actor, user, target_user, service_user };

// One reference of the current event: the entry, and the details field that names it (unescaped).
struct ref_field {
  std::uint32_t entry = 0;
  std::string_view field;  // plain: the key as a JSON string, quotes included (input text); else unescaped
  bool plain = true;
};

struct extra_field {
  std::string_view key;  // unescaped
  std::string_view raw;  // value JSON as received
};

}  // namespace

struct render_scratch::state {
  std::string arena;
  std::vector<related_entry> entries;
  std::vector<std::uint32_t> slots;  // open addressing over entries: index + 1, 0 = empty
  std::uint64_t length_mask = 0;     // bit n set when some key has n bytes (63: 63 or more)
  std::uint64_t event_no = 0;
  std::vector<std::uint32_t> refs;     // entries the current event references, in order of first reference
  std::vector<ref_field> ref_fields;  // every (entry, details field) pair of the current event, once
  std::vector<extra_field> extras;    // unknown top-level event fields, kept under scaleft.event
  std::vector<std::string_view> names;
  std::string created;             // `,"created":"<read time>"` for every document of the page
  std::string_view related_raw;    // related_objects when it is neither an object nor null, as received
  std::string text_scratch;        // a malformed entry's text on its way to a JSON string
  double output_ratio = 0;         // document bytes per body byte of the last page, to reserve the next one
  std::size_t last_events = 0;     // events of the last page

  std::string_view text(text_ref r) const { return {arena.data() + r.off, r.len}; }

  text_ref since(std::size_t off) const {
    return {static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(arena.size() - off)};
  }
  text_ref append_string(std::string_view unescaped) {
    const auto off = arena.size();
    append_json_string(arena, unescaped);
    return {static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(arena.size() - off)};
  }
  text_ref append_plain(std::string_view s) {
    const auto off = arena.size();
    arena.append(s);
    return {static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(s.size())};
  }

  void reset_index() {
    arena.clear();
    entries.clear();
    related_raw = {};
  }

  // Built once per page after every entry is known; power-of-two table at most half full.
  // Keys are short opaque ids (base64 in practice): length, head and tail bytes spread them well enough.
  static std::size_t key_hash(std::string_view k) {
    std::uint64_t head = 0, tail = 0;
    std::memcpy(&head, k.data(), k.size() < 8 ? k.size() : 8);
    if (k.size() > 8) std::memcpy(&tail, k.data() + k.size() - 8, 8);
    std::uint64_t h = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ k.size();
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
  static std::uint64_t length_bit(std::size_t n) { return std::uint64_t{1} << (n < 63 ? n : 63); }

  void build_table() {
    length_mask = 0;
    for (const auto& e : entries) length_mask |= length_bit(e.key.len);
    std::size_t size = 16;
    while (size < entries.size() * 2) size *= 2;
    slots.assign(size, 0);
    for (std::uint32_t i = 0; i < entries.size(); ++i) {
      std::size_t h = key_hash(text(entries[i].key)) & (size - 1);
      while (slots[h] != 0) {
        if (text(entries[slots[h] - 1].key) == text(entries[i].key)) break;  // duplicate key: first wins
        h = (h + 1) & (size - 1);
      }
      if (slots[h] == 0) slots[h] = i + 1;
    }
  }

  // False only when `raw` (a string token as received, quotes and trailing spaces included) cannot unescape
  // to any key of the index.
  bool may_be_key(std::string_view raw) const {
    raw = trim_json_space(raw);
    if (raw.size() < 2) return false;
    if (length_mask & length_bit(raw.size() - 2)) return true;
    return *json::find_string_stop(raw.data() + 1) == '\\';  // escapes: lengths differ
  }

  std::int32_t find(std::string_view key) const {
    // Most detail strings are not references: a key-length filter spares them the hash.
    if (key.empty() || !(length_mask & length_bit(key.size()))) return -1;
    const std::size_t mask = slots.size() - 1;
    std::size_t h = key_hash(key) & mask;
    while (slots[h] != 0) {
      if (text(entries[slots[h] - 1].key) == key) return static_cast<std::int32_t>(slots[h] - 1);
      h = (h + 1) & mask;
    }
    return -1;
  }
};

render_scratch::render_scratch() : state_(std::make_unique<state>()) {}
render_scratch::~render_scratch() = default;
render_scratch::render_scratch(render_scratch&&) noexcept = default;
render_scratch& render_scratch::operator=(render_scratch&&) noexcept = default;

namespace {

using state = render_scratch::state;

std::string describe(std::string_view where, simdjson::error_code e) {
  std::string s(where);
  s.append(": ").append(simdjson::error_message(e));
  return s;
}

std::string at_event(std::size_t i, std::string_view what) {
  std::string s = "list[";
  s.append(std::to_string(i)).append("]: ").append(what);
  return s;
}

// Compares a raw key with a short literal without escapes: fixed-size memcmp the compiler inlines. Reading
// past a shorter key is safe: the bytes after it are its quote and more JSON, or the parser's padding.
template <std::size_t N>
bool key_is(od::raw_json_string key, const char (&literal)[N]) {
  const char* p = key.raw();
  return std::memcmp(p, literal, N - 1) == 0 && p[N - 1] == '"';
}

// The end of the value just consumed: the next token's start, minus the whitespace before it.
simdjson::error_code span_to_here(od::document& doc, const char* start, std::string_view& out) {
  const char* end = nullptr;
  if (auto e = doc.current_location().get(end)) return e;
  out = trim_json_space(std::string_view(start, static_cast<std::size_t>(end - start)));
  return simdjson::SUCCESS;
}

// Checks the escapes of a key with a backslash by unescaping it (a key without one is valid: simdjson's first
// pass checked its UTF-8 and control bytes). Unescaping consumes the key: call it last, and not after
// key_text unescaped it.
simdjson::error_code check_key(od::field& field) {
  if (*json::find_string_stop(field.key().raw()) == '"') return simdjson::SUCCESS;
  std::string_view unescaped;
  return field.unescaped_key().get(unescaped);
}

// Deeper than this is refused (simdjson's DOM limit), so that a page of brackets cannot exhaust the stack.
constexpr int max_check_depth = 1024;

// Consumes a string without unescaping it (a string without a backslash is valid after simdjson's first
// pass); one with a backslash is unescaped, which checks its escapes.
simdjson::error_code consume_string(od::value& v) {
  if (*json::find_string_stop(v.raw_json_token().data() + 1) == '"') {
    od::raw_json_string unchecked;
    return v.get_raw_json_string().get(unchecked);
  }
  std::string_view unescaped;
  return v.get_string().get(unescaped);
}

// Checks a value the renderer copies without reading it, and consumes it. On-demand validates only what is
// read: a skipped value may hold what is not JSON (a bad number or literal, a bad escape, a missing comma
// in a nested list), which copied raw would give the sinks a document that is not JSON. So every value that
// ends up in a document is walked; a page holding a bad one is malformed (the caller fetches it again: it is
// never passed on, nor its events dropped). Every scalar is consumed, not only looked at: on-demand skips an
// unconsumed value by counting brackets, which lets a stray `:` or a missing `{` through (fuzz_audit_page,
// corpus/audit_page/regress-unconsumed-value-skipped.json). Numbers are parsed as doubles, which takes
// integers past 64 bits; only a number beyond a double's range (1e400) is refused.
simdjson::error_code check_value(od::value& v, int depth) {
  if (depth > max_check_depth) return simdjson::DEPTH_ERROR;
  od::json_type t;
  if (auto e = v.type().get(t)) return e;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (auto e = v.get_object().get(o)) return e;
      for (auto f : o) {
        if (auto e = f.error()) return e;
        od::field& field = f.value_unsafe();
        if (auto e = check_value(field.value(), depth + 1)) return e;
        if (auto e = check_key(field)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array a;
      if (auto e = v.get_array().get(a)) return e;
      for (auto el : a) {
        if (auto e = el.error()) return e;
        od::value& element = el.value_unsafe();
        if (auto e = check_value(element, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string:
      return consume_string(v);
    case od::json_type::number: {
      double unused;
      return v.get_double().get(unused);
    }
    case od::json_type::boolean: {
      bool unused;
      return v.get_bool().get(unused);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// The JSON text of any value as received, checked (check_value); consumes objects and arrays, leaves
// scalars to be skipped.
simdjson::error_code raw_value(od::document& doc, od::value& v, std::string_view& out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return e;
  if (t == od::json_type::object || t == od::json_type::array) {
    const char* start = v.raw_json_token().data();
    if (auto e = check_value(v, 0)) return e;
    return span_to_here(doc, start, out);
  }
  out = trim_json_space(v.raw_json_token());
  return check_value(v, 0);
}

bool is_string(od::value& v) {
  od::json_type t;
  return v.type().get(t) == simdjson::SUCCESS && t == od::json_type::string;
}

// Reads a string value into the arena as a JSON string; anything else leaves the field absent (and is
// checked, as it stays in the entry's object).
simdjson::error_code take_string(state& s, od::value& v, text_ref& out) {
  if (!is_string(v)) return check_value(v, 0);
  std::string_view str;
  if (auto e = v.get_string().get(str)) return e;
  out = s.append_string(str);
  return simdjson::SUCCESS;
}

// Pre-extracts the ECS fields of a related object's "object" member.
simdjson::error_code read_object_fields(state& s, related_entry& entry, od::object obj) {
  for (auto f : obj) {
    if (auto e = f.error()) return e;
    od::field& field = f.value_unsafe();
    const auto key = field.key();
    od::value& v = field.value();
    simdjson::error_code e = simdjson::SUCCESS;
    if (key_is(key, "id")) {
      e = take_string(s, v, entry.id);
    } else if (key_is(key, "name")) {
      e = take_string(s, v, entry.name);
    } else if (key_is(key, "hostname")) {
      e = take_string(s, v, entry.hostname);
    } else if (key_is(key, "os")) {
      e = take_string(s, v, entry.os);
    } else if (key_is(key, "email")) {
      e = take_string(s, v, entry.email);
    } else if (key_is(key, "full_name")) {
      e = take_string(s, v, entry.full_name);
    } else if (key_is(key, "details")) {
      // Users keep email and full name one level down.
      od::json_type t;
      if (v.type().get(t) == simdjson::SUCCESS && t == od::json_type::object) {
        od::object d;
        if ((e = v.get_object().get(d))) return e;
        for (auto df : d) {
          if ((e = df.error())) return e;
          od::field& dfield = df.value_unsafe();
          const auto dkey = dfield.key();
          if (key_is(dkey, "email") && entry.email.empty()) {
            e = take_string(s, dfield.value(), entry.email);
          } else if (key_is(dkey, "full_name") && entry.full_name.empty()) {
            e = take_string(s, dfield.value(), entry.full_name);
          } else {
            e = check_value(dfield.value(), 0);
          }
          if (e || (e = check_key(dfield))) return e;
        }
      } else {
        e = check_value(v, 0);
      }
    } else {
      e = check_value(v, 0);
    }
    if (e || (e = check_key(field))) return e;
  }
  return simdjson::SUCCESS;
}

// The key of `field`. A key without a backslash (`plain`) is its input text, quotes included: a JSON string
// to copy as it is. Any other key is unescaped (to be escaped again on output). The JSON was validated, so
// the closing quote is there.
simdjson::error_code key_text(od::field& field, std::string_view& out, bool& plain) {
  const char* p = field.key().raw();
  const char* q = json::find_string_stop(p);
  plain = *q == '"';
  if (plain) {
    out = std::string_view(p - 1, static_cast<std::size_t>(q - p) + 2);
    return simdjson::SUCCESS;
  }
  return field.unescaped_key().get(out);
}

related_kind kind_of(std::string_view name) {
  if (name == "user") return related_kind::user;
  if (name == "client") return related_kind::client;
  if (name == "server") return related_kind::server;
  if (name == "project") return related_kind::project;
  if (name == "group") return related_kind::group;
  return related_kind::other;
}

// Adds one related_objects entry to the index, with its element of scaleft.related_objects pre-rendered.
// An entry of the documented shape ({"type": string, "object": object or null}, nothing else) keeps `type`
// and `object` as they are; any other entry (not an object, a non-string type, a scalar object, an extra
// member) is kept whole as text under `raw`, so that its odd shape can never clash with the mapping of the
// good ones. Only broken JSON is an error.
simdjson::error_code add_entry(state& s, od::document& doc, std::string_view key, od::value& v) {
  related_entry entry;
  entry.key = s.append_plain(key);
  std::string_view raw, type_raw, object_raw;
  bool well_formed = false;
  od::json_type t;
  if (auto e = v.type().get(t)) return e;
  if (t == od::json_type::object) {
    const char* start = v.raw_json_token().data();
    od::object o;
    if (auto e = v.get_object().get(o)) return e;
    well_formed = true;
    for (auto f : o) {
      if (auto e = f.error()) return e;
      od::field& field = f.value_unsafe();
      const auto fkey = field.key();
      od::value& fv = field.value();
      od::json_type ft;
      if (auto e = fv.type().get(ft)) return e;
      if (key_is(fkey, "type") && ft == od::json_type::string && type_raw.empty()) {
        type_raw = trim_json_space(fv.raw_json_token());
        std::string_view kind_name;
        if (auto e = fv.get_string().get(kind_name)) return e;
        entry.kind = kind_of(kind_name);
      } else if (key_is(fkey, "object") && ft == od::json_type::object && object_raw.empty()) {
        const char* object_start = fv.raw_json_token().data();
        od::object obj;
        if (auto e = fv.get_object().get(obj)) return e;
        if (auto e = read_object_fields(s, entry, obj)) return e;
        if (auto e = span_to_here(doc, object_start, object_raw)) return e;
      } else if (key_is(fkey, "object") && ft == od::json_type::null && object_raw.empty()) {
        object_raw = "null";
      } else {
        well_formed = false;  // the loop still reads the rest, for the ECS fields and the span
        if (auto e = check_value(fv, 0)) return e;
      }
      if (auto e = check_key(field)) return e;
    }
    if (auto e = span_to_here(doc, start, raw)) return e;
  } else if (auto e = raw_value(doc, v, raw)) {
    return e;
  }
  const std::size_t off = s.arena.size();
  s.arena.append("],\"id\":");  // closes the "ref" list written before it
  append_json_string(s.arena, key);
  if (well_formed) {
    if (!type_raw.empty()) s.arena.append(",\"type\":").append(type_raw);
    if (!object_raw.empty()) {
      s.arena.append(",\"object\":");
      append_raw_json(s.arena, object_raw);
    }
  } else {
    s.text_scratch.clear();
    append_raw_json(s.text_scratch, raw);
    s.arena.append(",\"raw\":");
    append_json_string(s.arena, s.text_scratch);
  }
  s.arena.push_back('}');
  entry.tail = s.since(off);
  s.entries.push_back(entry);
  return simdjson::SUCCESS;
}

// Notes that the current event references entry `idx` through details field `field` (in role `r`).
void note_ref(state& s, std::int32_t idx, std::string_view field, bool plain, role r, event_roles& roles) {
  related_entry& e = s.entries[static_cast<std::size_t>(idx)];
  const auto entry = static_cast<std::uint32_t>(idx);
  e.used = true;
  if (e.seen != s.event_no) {
    e.seen = s.event_no;
    s.refs.push_back(entry);
    s.ref_fields.push_back({entry, field, plain});
  } else {
    bool known = false;  // one field naming it twice (a list) counts once
    for (const auto& rf : s.ref_fields) known = known || (rf.entry == entry && rf.field == field);
    if (!known) s.ref_fields.push_back({entry, field, plain});
  }
  if (e.kind != related_kind::user) return;
  if (r == role::actor && roles.actor < 0) roles.actor = idx;
  if (r == role::user && roles.user < 0) roles.user = idx;
  if (r == role::target_user && roles.target < 0) roles.target = idx;
  if (r == role::service_user && roles.service_user < 0) roles.service_user = idx;
}

// What one event's walk found, all views valid until the page is done.
struct event_view {
  std::string_view id;
  std::string_view timestamp;
  bool has_timestamp = false;
  std::string_view action;
  bool has_action = false;
  std::string_view details;      // raw object, when details is an object
  std::string_view details_raw;  // raw text, when details is something else (kept as a string)
  event_roles roles;
};

// Walks one event's details: its type, its raw span, and the references it makes, looked up at once while the
// event's bytes are still in cache (deferring the look-ups to a second pass over a 1 MB page measured
// slower).
simdjson::error_code walk_details(state& s, od::document& doc, od::value& v, event_view& ev) {
  const char* start = v.raw_json_token().data();
  od::object o;
  if (auto e = v.get_object().get(o)) return e;
  for (auto f : o) {
    if (auto e = f.error()) return e;
    od::field& field = f.value_unsafe();
    const auto key = field.key();
    od::value& fv = field.value();
    od::json_type t;
    if (auto e = fv.type().get(t)) return e;
    bool key_read = false;  // key_text unescaped (and so checked) the key
    if (t == od::json_type::string) {
      const bool is_type = key_is(key, "type");
      // Most strings cannot be a key: without escapes the raw length is the value's length, and the index
      // knows every key length. Consuming them raw spares the unescaping copy.
      if (!is_type && !s.may_be_key(fv.raw_json_token())) {
        if (auto e = consume_string(fv)) return e;
      } else {
        std::string_view str;
        if (auto e = fv.get_string().get(str)) return e;
        if (is_type) {
          ev.action = str;
          ev.has_action = true;
        } else if (const std::int32_t idx = s.find(str); idx >= 0) {
          // Any string may be a reference; the short, well-known role keys are compared raw.
          role r = role::none;
          if (key_is(key, "actor"))
            r = role::actor;
          else if (key_is(key, "user"))
            r = role::user;
          else if (key_is(key, "target_user"))
            r = role::target_user;
          else if (key_is(key, "service_user"))
            r = role::service_user;
          std::string_view name;
          bool plain = true;
          if (auto e = key_text(field, name, plain)) return e;
          key_read = true;
          note_ref(s, idx, name, plain, r, ev.roles);
        }
      }
    } else if (t == od::json_type::array) {
      // Lists of references (e.g. several users of a group change).
      od::array a;
      if (auto e = fv.get_array().get(a)) return e;
      std::string_view name;
      bool plain = true;
      for (auto el : a) {
        if (auto e = el.error()) return e;
        od::value& ev_el = el.value_unsafe();
        if (!is_string(ev_el)) {
          if (auto e = check_value(ev_el, 1)) return e;
          continue;
        }
        std::string_view str;
        if (auto e = ev_el.get_string().get(str)) return e;
        const std::int32_t idx = s.find(str);
        if (idx < 0) continue;
        if (!key_read) {
          if (auto e = key_text(field, name, plain)) return e;
          key_read = true;
        }
        note_ref(s, idx, name, plain, role::none, ev.roles);
      }
    } else if (auto e = check_value(fv, 0)) {
      return e;
    }
    if (!key_read) {
      if (auto e = check_key(field)) return e;
    }
  }
  return span_to_here(doc, start, ev.details);
}

// Writes `"name":<json string>` when present, with a comma unless it is the first member.
void write_member(std::string& out, bool& first, std::string_view name, std::string_view json) {
  if (json.empty()) return;
  if (!first) out.push_back(',');
  first = false;
  out.push_back('"');
  out.append(name);
  out.append("\":");
  out.append(json);
}

std::string_view host_name(const state& s, const related_entry& e) {
  return e.hostname.empty() ? s.text(e.name) : s.text(e.hostname);
}

// Writes each entry's ECS user and host members into the arena once per page, so that an event referencing
// it copies one slice (user: none when the object has no user fields; host: none without a host name).
void prerender_fields(state& s) {
  // The members are written from slices of the arena itself: room first, so that no append moves it.
  std::size_t room = 0;
  for (const auto& e : s.entries) {
    room += 2 * (e.id.len + e.name.len + e.email.len + e.full_name.len + e.hostname.len + e.os.len) + 96;
  }
  s.arena.reserve(s.arena.size() + room);
  for (auto& e : s.entries) {
    std::size_t start = s.arena.size();
    bool first = true;
    write_member(s.arena, first, "name", s.text(e.name));
    write_member(s.arena, first, "id", s.text(e.id));
    write_member(s.arena, first, "email", s.text(e.email));
    write_member(s.arena, first, "full_name", s.text(e.full_name));
    e.user_fields = s.since(start);
    start = s.arena.size();
    first = true;
    write_member(s.arena, first, "name", host_name(s, e));
    if (!first) {
      write_member(s.arena, first, "hostname", s.text(e.hostname));
      if (!e.os.empty()) s.arena.append(",\"os\":{\"full\":").append(s.text(e.os)).push_back('}');
    }
    e.host_fields = s.since(start);
  }
}

void add_unique(std::vector<std::string_view>& names, std::string_view n) {
  if (n.empty()) return;
  for (const auto x : names) {
    if (x == n) return;
  }
  names.push_back(n);
}

// The entries an event's ECS fields and message come from (null when the event names none).
struct chosen_entries {
  const related_entry* user = nullptr;    // the actor (or details.user)
  const related_entry* target = nullptr;  // the user acted upon
  const related_entry* client = nullptr;  // first client with a host name
  const related_entry* server = nullptr;  // first server with a host name
  const related_entry* project = nullptr;
  const related_entry* group = nullptr;
};

chosen_entries choose(const state& s, const event_roles& roles) {
  chosen_entries c;
  const std::int32_t user = roles.actor >= 0 ? roles.actor : roles.user;
  std::int32_t target = roles.target >= 0 ? roles.target : roles.service_user;
  if (target < 0 && roles.actor >= 0 && roles.user >= 0 && roles.user != roles.actor) target = roles.user;
  if (user >= 0) c.user = &s.entries[static_cast<std::size_t>(user)];
  if (target >= 0) c.target = &s.entries[static_cast<std::size_t>(target)];
  // An object without user fields (a malformed one) names no user.
  if (c.user && c.user->user_fields.empty()) c.user = nullptr;
  if (c.target && c.target->user_fields.empty()) c.target = nullptr;
  for (const auto idx : s.refs) {
    const related_entry& e = s.entries[idx];
    switch (e.kind) {
      case related_kind::client:
        if (!c.client && !host_name(s, e).empty()) c.client = &e;
        break;
      case related_kind::server:
        if (!c.server && !host_name(s, e).empty()) c.server = &e;
        break;
      case related_kind::project:
        if (!c.project && !e.name.empty()) c.project = &e;
        break;
      case related_kind::group:
        if (!c.group && !e.name.empty()) c.group = &e;
        break;
      default:
        break;
    }
  }
  return c;
}

// Appends the content of a pre-rendered JSON string (its quotes dropped); false when it is empty.
bool append_name(text::text_buffer& out, std::string_view json) {
  if (json.size() <= 2) return false;
  out.append(json.data() + 1, json.size() - 2);
  return true;
}

// Writes `,"message":"..."` from a template of ecs_mapping.hpp. The template's literal text is plain ASCII
// without quotes or backslashes (a test checks), and names are JSON string contents, so the result is one
// valid JSON string.
void write_message(text::text_buffer& out, const state& s, std::string_view tmpl, const chosen_entries& c,
                   const event_view& ev) {
  out.append(",\"message\":\"");
  const std::size_t start = out.size();
  bool fallback_first = false;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const std::size_t open = tmpl.find('{', i);
    if (open == std::string_view::npos) {
      out.append(tmpl.substr(i));
      break;
    }
    out.append(tmpl.substr(i, open - i));
    const std::size_t close = tmpl.find('}', open);
    const std::string_view name = tmpl.substr(open + 1, close - open - 1);
    i = close + 1;
    if (name == "action") {
      append_json_escaped(out, ev.action);
      continue;
    }
    std::string_view value, fallback;
    if (name == "actor") {
      value = c.user ? s.text(c.user->name) : std::string_view{};
      fallback = "an unknown user";
    } else if (name == "target_user") {
      value = c.target ? s.text(c.target->name) : std::string_view{};
      fallback = "an unknown user";
    } else if (name == "client") {
      value = c.client ? host_name(s, *c.client) : std::string_view{};
      fallback = "an unknown client";
    } else if (name == "server") {
      value = c.server ? host_name(s, *c.server) : std::string_view{};
      fallback = "an unknown server";
    } else if (name == "project") {
      value = c.project ? s.text(c.project->name) : std::string_view{};
      fallback = "an unknown project";
    } else if (name == "group") {
      value = c.group ? s.text(c.group->name) : std::string_view{};
      fallback = "an unknown group";
    }
    if (!append_name(out, value)) {
      fallback_first = fallback_first || out.size() == start;
      out.append(fallback);
    }
  }
  if (fallback_first && out[start] >= 'a' && out[start] <= 'z') {
    out[start] = static_cast<char>(out[start] - 'a' + 'A');
  }
  out.push_back('"');
}

// Writes one element of scaleft.related_objects: the details fields naming the entry, then its pre-rendered
// rest (id, type, object or raw).
void write_related(text::text_buffer& out, const state& s, std::uint32_t idx, bool referenced) {
  out.append("{\"ref\":[");
  if (referenced) {
    bool first = true;
    for (const auto& rf : s.ref_fields) {
      if (rf.entry != idx) continue;
      if (!first) out.push_back(',');
      first = false;
      if (rf.plain) {
        out.append(rf.field);
      } else {
        append_json_string(out, rf.field);
      }
    }
  }
  out.append(s.text(s.entries[idx].tail));
}

bool has_leftovers(const state& s) {
  if (!s.related_raw.empty()) return true;
  for (const auto& e : s.entries) {
    if (!e.used) return true;
  }
  return false;
}

// One document. `leftovers`: also carry what the page holds that no event references (related objects no
// details field names, a related_objects that is not an object), so that nothing is lost: the page's last
// document does.
// Returns where the top-level "event" object's members start in `out`.
std::size_t render_event(text::text_buffer& out, state& s, const event_view& ev, bool leftovers) {
  out.push_back('{');
  if (ev.has_timestamp) {
    out.append("\"@timestamp\":");
    append_json_string(out, ev.timestamp);
    out.push_back(',');
  }
  out.append("\"ecs\":{\"version\":\"").append(ecs_version).append("\"}");

  const event_type_row* row = ev.has_action ? find_event_type(ev.action) : nullptr;
  const chosen_entries c = choose(s, ev.roles);
  write_message(out, s, row ? row->message : ev.has_action ? unknown_type_message : no_type_message, c, ev);

  out.append(",\"event\":{");
  const std::size_t event_members = out.size();
  out.append("\"id\":");
  append_json_string(out, ev.id);
  out.append(",\"kind\":\"event\"");
  if (ev.has_action) {
    out.append(",\"action\":");
    append_json_string(out, ev.action);
    if (row) {
      out.append(",\"category\":").append(row->category).append(",\"type\":").append(row->type);
      out.append(",\"outcome\":\"").append(row->outcome).push_back('"');
    }
  }
  out.append(s.created);
  out.append(",\"dataset\":\"scaleft.audit\",\"provider\":\"scaleft\"}");

  // user: the actor (or details.user), and the user acted upon under user.target.
  if (c.user || c.target) {
    out.append(",\"user\":{");
    if (c.user) out.append(s.text(c.user->user_fields));
    if (c.target) {
      out.append(c.user ? ",\"target\":{" : "\"target\":{");
      out.append(s.text(c.target->user_fields));
      out.push_back('}');
    }
    out.push_back('}');
  }

  // host: the server the event is about, else the client it came from.
  if (const related_entry* host = c.server ? c.server : c.client) {
    out.append(",\"host\":{").append(s.text(host->host_fields)).push_back('}');
  }

  // related.user / related.hosts: every name this event's references bring.
  s.names.clear();
  for (const auto idx : s.refs) {
    const related_entry& e = s.entries[idx];
    if (e.kind == related_kind::user) add_unique(s.names, s.text(e.name));
  }
  const std::size_t users = s.names.size();
  for (const auto idx : s.refs) {
    const related_entry& e = s.entries[idx];
    if (e.kind == related_kind::client || e.kind == related_kind::server) {
      const auto n = host_name(s, e);
      bool dup = false;
      for (std::size_t i = users; i < s.names.size(); ++i) dup = dup || s.names[i] == n;
      if (!dup && !n.empty()) s.names.push_back(n);
    }
  }
  if (!s.names.empty()) {
    out.append(",\"related\":{");
    bool first = true;
    if (users) {
      first = false;
      out.append("\"user\":[");
      for (std::size_t i = 0; i < users; ++i) {
        if (i) out.push_back(',');
        out.append(s.names[i]);
      }
      out.push_back(']');
    }
    if (s.names.size() > users) {
      if (!first) out.push_back(',');
      out.append("\"hosts\":[");
      for (std::size_t i = users; i < s.names.size(); ++i) {
        if (i > users) out.push_back(',');
        out.append(s.names[i]);
      }
      out.push_back(']');
    }
    out.push_back('}');
  }

  out.append(",\"observer\":{\"vendor\":\"Okta\",\"product\":\"ScaleFT Advanced Server Access\"}");

  // scaleft: everything as received, so that nothing is lost, under keys that never come from data.
  out.append(",\"scaleft\":{");
  bool first = true;
  if (!ev.details.empty()) {
    first = false;
    out.append("\"details\":");
    append_raw_json(out, ev.details);
  } else if (!ev.details_raw.empty()) {
    // Not an object: kept as text, so that it cannot clash with the object mapping of scaleft.details.
    first = false;
    out.append("\"details_raw\":");
    append_json_string(out, ev.details_raw);
  }
  bool unreferenced = false;
  if (leftovers) {
    for (const auto& e : s.entries) unreferenced = unreferenced || !e.used;
  }
  if (!s.refs.empty() || unreferenced) {
    if (!first) out.push_back(',');
    first = false;
    // An array of {ref, id, type, object}: keyed by the opaque id, every distinct user, client or server
    // would add field names to the index until it refuses documents.
    out.append("\"related_objects\":[");
    bool first_element = true;
    for (const auto idx : s.refs) {
      if (!first_element) out.push_back(',');
      first_element = false;
      write_related(out, s, idx, true);
    }
    if (unreferenced) {
      for (std::uint32_t idx = 0; idx < s.entries.size(); ++idx) {
        if (s.entries[idx].used) continue;
        if (!first_element) out.push_back(',');
        first_element = false;
        write_related(out, s, idx, false);
      }
    }
    out.push_back(']');
  }
  if (leftovers && !s.related_raw.empty()) {
    if (!first) out.push_back(',');
    first = false;
    out.append("\"related_objects_raw\":");
    s.text_scratch.clear();
    append_raw_json(s.text_scratch, s.related_raw);
    append_json_string(out, s.text_scratch);
  }
  if (!s.extras.empty()) {
    if (!first) out.push_back(',');
    out.append("\"event\":{");
    for (std::size_t i = 0; i < s.extras.size(); ++i) {
      if (i) out.push_back(',');
      append_json_string(out, s.extras[i].key);
      out.push_back(':');
      append_raw_json(out, s.extras[i].raw);
    }
    out.push_back('}');
  }
  out.append("}}");
  return event_members;
}

page_outcome fail(std::string message) {
  page_outcome o;
  o.error = std::move(message);
  return o;
}

page_outcome render(od::parser& parser, simdjson::padded_string_view body, std::string_view read_time,
                    event_batch& batch, state& s) {
  od::document doc;
  if (auto e = parser.iterate(body).get(doc)) return fail(describe("body is not JSON", e));
  od::object root;
  if (auto e = doc.get_object().get(root)) {
    if (e != simdjson::INCORRECT_TYPE) return fail(describe("body is not JSON", e));
    // On-demand only sees the first byte here; a full parse tells garbage from a JSON scalar or array.
    // Rare path, so its allocation does not matter.
    simdjson::dom::parser dom;
    if (auto de = dom.parse(body.data(), body.size()).error()) return fail(describe("body is not JSON", de));
    return fail("body is not a JSON object");
  }

  // related_objects first: the index every event of the page looks its references up in.
  s.reset_index();
  if (s.arena.capacity() < body.size()) s.arena.reserve(body.size());
  od::value related;
  auto found = root.find_field_unordered("related_objects").get(related);
  if (found == simdjson::SUCCESS) {
    od::json_type t;
    if (auto e = related.type().get(t)) return fail(describe("related_objects", e));
    if (t == od::json_type::object) {
      od::object ro;
      if (auto e = related.get_object().get(ro)) return fail(describe("related_objects", e));
      for (auto f : ro) {
        if (auto e = f.error()) return fail(describe("related_objects", e));
        od::field& field = f.value_unsafe();
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return fail(describe("related_objects", e));
        if (auto e = add_entry(s, doc, key, field.value())) {
          std::string where = "related_objects[";
          where.append(key).append("]");
          return fail(describe(where, e));
        }
      }
    }
    // Any other type: no index, events keep their raw references (an odd case, not an error), and the
    // value itself goes, as text, with the page's last document.
    if (t != od::json_type::object && t != od::json_type::null) {
      if (auto e = raw_value(doc, related, s.related_raw)) return fail(describe("related_objects", e));
    }
  } else if (found != simdjson::NO_SUCH_FIELD) {
    return fail(describe("body is not JSON", found));
  }
  prerender_fields(s);
  s.build_table();

  od::array list;
  od::value list_value;
  auto lf = root.find_field_unordered("list").get(list_value);
  if (lf == simdjson::NO_SUCH_FIELD) return fail("list is missing");
  if (lf) return fail(describe("body is not JSON", lf));
  if (auto e = list_value.get_array().get(list)) {
    return fail(e == simdjson::INCORRECT_TYPE ? "list is not an array" : describe("list", e));
  }

  s.created.clear();
  if (!read_time.empty()) {
    s.created.append(",\"created\":");
    append_json_string(s.created, read_time);
  }

  const event_batch::mark start = batch.position();
  // Reserve the output from the previous page's ratio of document bytes to body bytes (4.8 for realistic
  // pages), with a little headroom: one allocation per page instead of a chain of doublings.
  if (s.output_ratio > 0) {
    batch.reserve(s.last_events,
                  static_cast<std::size_t>(static_cast<double>(body.size()) * s.output_ratio * 1.05));
  }
  std::size_t i = 0;
  event_view ev;                     // after the loop: the page's last event, still valid
  event_batch::mark last = start;    // where the last document begins
  for (auto el : list) {
    od::object eo;
    if (auto e = el.error()) {
      batch.rollback(start);
      return fail(at_event(i, simdjson::error_message(e)));
    }
    od::value& event = el.value_unsafe();
    od::json_type et;
    if (auto e = event.type().get(et); e || et != od::json_type::object) {
      batch.rollback(start);
      return fail(at_event(i, e ? simdjson::error_message(e) : "event is not an object"));
    }
    if (auto e = event.get_object().get(eo)) {
      batch.rollback(start);
      return fail(at_event(i, simdjson::error_message(e)));
    }
    ++s.event_no;
    s.refs.clear();
    s.ref_fields.clear();
    s.extras.clear();
    ev = event_view{};
    bool has_id = false;
    std::string error;
    for (auto f : eo) {
      simdjson::error_code e = f.error();
      if (e) {
        error = at_event(i, simdjson::error_message(e));
        break;
      }
      od::field& field = f.value_unsafe();
      const auto key = field.key();
      od::value& v = field.value();
      od::json_type t;
      if ((e = v.type().get(t))) {
        error = at_event(i, simdjson::error_message(e));
        break;
      }
      if (key_is(key, "id") && !has_id) {
        if (t != od::json_type::string) {
          error = at_event(i, "id is not a string");
          break;
        }
        if ((e = v.get_string().get(ev.id))) {
          error = at_event(i, describe("id", e));
          break;
        }
        has_id = true;
      } else if (key_is(key, "timestamp") && t == od::json_type::string && !ev.has_timestamp) {
        if ((e = v.get_string().get(ev.timestamp))) {
          error = at_event(i, describe("timestamp", e));
          break;
        }
        ev.has_timestamp = true;
      } else if (key_is(key, "details") && t == od::json_type::object && ev.details.empty()) {
        if ((e = walk_details(s, doc, v, ev))) {
          error = at_event(i, describe("details", e));
          break;
        }
      } else if (key_is(key, "details") && t == od::json_type::null) {
        // No details at all: nothing to keep (but the page must still be JSON).
        if ((e = check_value(v, 0))) {
          error = at_event(i, describe("details", e));
          break;
        }
      } else {
        extra_field x;
        if ((e = field.unescaped_key().get(x.key)) || (e = raw_value(doc, v, x.raw))) {
          error = at_event(i, simdjson::error_message(e));
          break;
        }
        if (key_is(key, "details")) {
          ev.details_raw = x.raw;
        } else {
          s.extras.push_back(x);
        }
      }
    }
    if (error.empty() && !has_id) error = at_event(i, "id is missing");
    if (!error.empty()) {
      batch.rollback(start);
      return fail(std::move(error));
    }
    last = batch.position();
    text::text_buffer& out = batch.begin_document();
    const std::size_t doc_start = out.size();
    const std::size_t event_members = render_event(out, s, ev, false);
    batch.commit_document(ev.id, ev.has_timestamp ? ev.timestamp : std::string_view{}, doc_start,
                          event_members - doc_start);
    ++i;
  }
  // What no event referenced goes with the last document, written again (its references, fields and
  // extras are still in the scratch). Pages of the real service and of scaleft-sim have none.
  if (i > 0 && has_leftovers(s)) {
    batch.rollback(last);
    text::text_buffer& out = batch.begin_document();
    const std::size_t doc_start = out.size();
    const std::size_t event_members = render_event(out, s, ev, true);
    batch.commit_document(ev.id, ev.has_timestamp ? ev.timestamp : std::string_view{}, doc_start,
                          event_members - doc_start);
  }

  if (i > 0 && body.size() > 0) {
    s.output_ratio = static_cast<double>(batch.position().document_bytes - start.document_bytes) /
                     static_cast<double>(body.size());
    s.last_events = i;
  }
  page_outcome o;
  o.ok = true;
  o.events = i;
  return o;
}

}  // namespace

page_outcome render_page(od::parser& parser, simdjson::padded_string_view body, std::string_view read_time,
                         event_batch& batch, render_scratch& scratch) {
  return render(parser, body, read_time, batch, scratch.get());
}

page_outcome render_page(od::parser& parser, simdjson::padded_string_view body, std::string_view read_time,
                         event_batch& batch) {
  thread_local render_scratch scratch;
  return render(parser, body, read_time, batch, scratch.get());
}

}  // namespace sf::audit
