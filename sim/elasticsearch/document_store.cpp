// The in-memory indices and data streams: documents by _id, versions, sequence numbers, and item outcomes.
#include "sim/elasticsearch/document_store.hpp"

#include "sim/elasticsearch/json_text.hpp"

#include <chrono>
#include <ctime>

namespace sfsim::es {

namespace {

std::string utc_today() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y.%m.%d", &tm);
  return buf;
}

std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Deep merge of a partial document into a source, as an update with "doc" does: objects merge key by key,
// any other value replaces. Writes compact JSON to `out`; returns true if anything changed.
bool merge_into(simdjson::dom::object base, simdjson::dom::object patch, std::string& out) {
  bool changed = false;
  out.push_back('{');
  bool first = true;
  for (const auto f : base) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, f.key);
    out.push_back(':');
    simdjson::dom::element pv;
    if (patch.at_key(f.key).get(pv) == simdjson::SUCCESS) {
      if (pv.is_object() && f.value.is_object()) {
        changed =
            merge_into(f.value.get_object().value_unsafe(), pv.get_object().value_unsafe(), out) || changed;
      } else {
        const std::string before = simdjson::minify(f.value);
        const std::string after = simdjson::minify(pv);
        changed = changed || before != after;
        out += after;
      }
    } else {
      out += simdjson::minify(f.value);
    }
  }
  for (const auto f : patch) {
    simdjson::dom::element bv;
    if (base.at_key(f.key).get(bv) == simdjson::SUCCESS) continue;
    if (!first) out.push_back(',');
    first = false;
    changed = true;
    append_json_string(out, f.key);
    out.push_back(':');
    out += simdjson::minify(f.value);
  }
  out.push_back('}');
  return changed;
}

bool bool_field(simdjson::dom::element obj, std::string_view key, bool fallback) {
  bool v = fallback;
  if (obj.at_key(key).get_bool().get(v) != simdjson::SUCCESS) return fallback;
  return v;
}

}  // namespace

item_result item_failure(const bulk_action& a, int status, std::string type, std::string reason) {
  item_result r;
  r.op = a.op;
  r.index = a.index;
  r.id = a.id;
  r.status = status;
  r.error_type = std::move(type);
  r.error_reason = std::move(reason);
  return r;
}

std::optional<std::string> invalid_index_name(std::string_view name) {
  const std::string prefix = "Invalid index name [" + std::string(name) + "], ";
  if (name.empty()) return "Invalid index name [], must not be empty";
  for (const char c : name)
    if (c >= 'A' && c <= 'Z') return prefix + "must be lowercase";
  for (const char c : std::string_view("\\/*?\"<>| ,#:"))
    if (name.find(c) != std::string_view::npos)
      return prefix + "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?, :, #]";
  if (name.front() == '_' || name.front() == '-' || name.front() == '+')
    return prefix + "must not start with '_', '-', or '+'";
  if (name == "." || name == "..") return prefix + "must not be '.' or '..'";
  if (name.size() > 255)
    return prefix + "index name is too long, (" + std::to_string(name.size()) + " > 255)";
  return std::nullopt;
}

document_store::document_store(const index_templates& templates, std::uint64_t seed, date_source today)
    : templates_(templates),
      today_(today ? std::move(today) : date_source(utc_today)),
      id_state_(mix(seed)) {}

std::uint64_t document_store::documents() const {
  std::uint64_t n = 0;
  for (const auto& [name, idx] : indices_) n += idx.docs.size();
  return n;
}

const index_data* document_store::find(std::string_view name) const {
  if (auto it = indices_.find(name); it != indices_.end()) return &it->second;
  if (auto b = backing_to_name_.find(name); b != backing_to_name_.end())
    return &indices_.find(b->second)->second;
  return nullptr;
}

index_data* document_store::resolve(std::string_view name) {
  return const_cast<index_data*>(find(name));
}

index_data& document_store::create_target(std::string_view name) {
  index_data idx;
  idx.name = std::string(name);
  idx.data_stream = templates_.is_data_stream(name);
  idx.write_index = idx.data_stream ? ".ds-" + idx.name + "-" + today_() + "-000001" : idx.name;
  // A 22-character id like Elasticsearch's index UUIDs, derived from the seed so runs repeat.
  idx.uuid =
      base64_encode(std::string(reinterpret_cast<const char*>(&id_state_), 8) + idx.name).substr(0, 22);
  for (auto& c : idx.uuid)
    if (c == '+' || c == '/' || c == '=') c = 'x';
  if (idx.data_stream) backing_to_name_.emplace(idx.write_index, idx.name);
  return indices_.emplace(idx.name, std::move(idx)).first->second;
}

// 20 URL-safe characters, unique per process, like Elasticsearch's auto-generated ids.
std::string document_store::generate_id() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::uint64_t a = mix(id_state_ + ++id_counter_);
  const std::uint64_t b = id_counter_;
  std::string id(20, 'A');
  for (int i = 0; i < 10; ++i) id[i] = alphabet[(a >> (6 * i)) & 63];
  for (int i = 0; i < 10; ++i) id[10 + i] = alphabet[(b >> (6 * (9 - i))) & 63];
  return id;
}

std::optional<item_result> document_store::check_source(const index_data& idx, const bulk_action& a,
                                                        std::string_view source) {
  simdjson::dom::element root;
  auto fail = [&](std::string reason) {
    item_result r = item_failure(a, 400, "document_parsing_exception", std::move(reason));
    r.index = idx.write_index;
    return r;
  };
  if (auto ec = source_parser_.parse(source.data(), source.size(), !a.source_padded).get(root))
    return fail("[1:1] failed to parse: " + std::string(simdjson::error_message(ec)));
  if (root.type() != simdjson::dom::element_type::OBJECT)
    return fail("[1:1] failed to parse: the document source must be a JSON object");
  if (idx.data_stream) {
    simdjson::dom::element ts;
    if (root.at_key("@timestamp").get(ts) != simdjson::SUCCESS || !(ts.is_string() || ts.is_number()))
      return fail("[1:" + std::to_string(source.size()) +
                  "] failed to parse: data stream timestamp field [@timestamp] is missing");
  }
  return std::nullopt;
}

item_result document_store::apply(const bulk_action& a) {
  index_data* idx = resolve(a.index);
  if (idx == nullptr) {
    if (a.require_alias)
      return item_failure(a, 404, "index_not_found_exception",
                          "no such index [" + a.index + "] and [require_alias] request flag is [true] and [" +
                              a.index + "] is not an alias");
    if (a.op == op_type::del)
      return item_failure(a, 404, "index_not_found_exception", "no such index [" + a.index + "]");
    if (auto bad = invalid_index_name(a.index))
      return item_failure(a, 400, "invalid_index_name_exception", *bad);
    idx = &create_target(a.index);
  } else if (a.require_alias) {
    return item_failure(a, 404, "index_not_found_exception",
                        "no such index [" + a.index + "] and [require_alias] request flag is [true] and [" +
                            a.index + "] is not an alias");
  }
  if (idx->data_stream && !a.op_type_create) {
    item_result r = item_failure(a, 400, "illegal_argument_exception",
                                 "only write ops with an op_type of create are allowed in data streams");
    r.index = idx->name;
    return r;
  }
  switch (a.op) {
    case op_type::create:
      return write(*idx, a, a.has_id ? a.id : generate_id(), true);
    case op_type::index:
      return write(*idx, a, a.has_id ? a.id : generate_id(), a.op_type_create);
    case op_type::update:
      return update(*idx, a);
    case op_type::del:
      return del(*idx, a);
  }
  return item_failure(a, 500, "illegal_state_exception", "unknown operation");
}

namespace {

item_result success(const bulk_action& a, const index_data& idx, std::string id, int status,
                    std::string_view result, const stored_doc& d) {
  item_result r;
  r.op = a.op;
  r.index = idx.write_index;
  r.id = std::move(id);
  r.status = status;
  r.result = result;
  r.version = d.version;
  r.seq_no = d.seq_no;
  return r;
}

// if_seq_no / if_primary_term: compare-and-set against the current document (primary term is always 1).
std::optional<item_result> check_cas(const bulk_action& a, const index_data& idx, const stored_doc* cur) {
  if (!a.if_seq_no && !a.if_primary_term) return std::nullopt;
  const std::int64_t want_seq = a.if_seq_no.value_or(-2);
  const std::int64_t want_term = a.if_primary_term.value_or(0);
  if (cur != nullptr && cur->seq_no == want_seq && want_term == 1) return std::nullopt;
  std::string reason = "[" + a.id + "]: version conflict, required seqNo [" + std::to_string(want_seq) +
                       "], primary term [" + std::to_string(want_term) + "]";
  reason += cur ? ". current document has seqNo [" + std::to_string(cur->seq_no) + "] and primary term [1]"
                : " but no document was found";
  item_result r = item_failure(a, 409, "version_conflict_engine_exception", std::move(reason));
  r.index = idx.write_index;
  r.error_index_uuid = idx.uuid;
  return r;
}

}  // namespace

item_result document_store::write(index_data& idx, const bulk_action& a, std::string id, bool create_only) {
  if (auto bad = check_source(idx, a, a.source)) {
    bad->id = id;
    return std::move(*bad);
  }
  if (a.if_seq_no || a.if_primary_term) {
    const auto it = idx.docs.find(id);
    if (auto conflict = check_cas(a, idx, it == idx.docs.end() ? nullptr : &it->second))
      return std::move(*conflict);
  }
  // One hash lookup for the common case (a new _id): insert an empty slot, fill it if it was new.
  auto [it, inserted] = idx.docs.try_emplace(id);
  stored_doc& d = it->second;
  if (inserted) {
    d.source.assign(a.source.data(), a.source.size());
    d.version = 1;
    d.seq_no = idx.next_seq_no++;
    return success(a, idx, std::move(id), 201, "created", d);
  }
  if (create_only) {
    item_result r =
        item_failure(a, 409, "version_conflict_engine_exception",
                     "[" + id + "]: version conflict, document already exists (current version [" +
                         std::to_string(d.version) + "])");
    r.index = idx.write_index;
    r.id = std::move(id);
    r.error_index_uuid = idx.uuid;
    return r;
  }
  d.source.assign(a.source.data(), a.source.size());
  ++d.version;
  d.seq_no = idx.next_seq_no++;
  return success(a, idx, std::move(id), 200, "updated", d);
}

item_result document_store::update(index_data& idx, const bulk_action& a) {
  simdjson::dom::element req;
  if (doc_parser_.parse(a.source.data(), a.source.size(), !a.source_padded).get(req))
    return item_failure(a, 400, "document_parsing_exception", "[1:1] failed to parse update request");
  simdjson::dom::object doc;
  const bool has_doc = req.at_key("doc").get_object().get(doc) == simdjson::SUCCESS;
  const bool doc_as_upsert = bool_field(req, "doc_as_upsert", false);
  simdjson::dom::object upsert;
  const bool has_upsert = req.at_key("upsert").get_object().get(upsert) == simdjson::SUCCESS;
  const bool detect_noop = bool_field(req, "detect_noop", true);
  if (!has_doc && !has_upsert)
    return item_failure(a, 400, "action_request_validation_exception",
                        "Validation Failed: 1: script or doc is missing;");

  auto it = idx.docs.find(a.id);
  const stored_doc* cur = it == idx.docs.end() ? nullptr : &it->second;
  if (auto conflict = check_cas(a, idx, cur)) return std::move(*conflict);
  if (cur == nullptr) {
    if (!(has_doc && doc_as_upsert) && !has_upsert) {
      item_result r = item_failure(a, 404, "document_missing_exception", "[" + a.id + "]: document missing");
      r.index = idx.write_index;
      r.error_index_uuid = idx.uuid;
      return r;
    }
    std::string source = simdjson::minify(has_upsert ? upsert : doc);
    if (idx.data_stream && source.find("\"@timestamp\"") == std::string::npos)
      return item_failure(a, 400, "document_parsing_exception",
                          "[1:1] failed to parse: data stream timestamp field [@timestamp] is missing");
    auto [ins, _] = idx.docs.try_emplace(a.id, stored_doc{std::move(source), 1, idx.next_seq_no++});
    return success(a, idx, a.id, 201, "created", ins->second);
  }
  if (!has_doc) return success(a, idx, a.id, 200, "noop", *cur);
  simdjson::dom::element base;
  if (source_parser_.parse(cur->source).get(base) || !base.is_object())
    return item_failure(a, 400, "document_parsing_exception", "[1:1] stored source is not an object");
  std::string merged;
  merged.reserve(cur->source.size() + a.source.size());
  const bool changed = merge_into(base.get_object().value_unsafe(), doc, merged);
  stored_doc& d = it->second;
  if (!changed && detect_noop) return success(a, idx, a.id, 200, "noop", d);
  d.source = std::move(merged);
  ++d.version;
  d.seq_no = idx.next_seq_no++;
  return success(a, idx, a.id, 200, "updated", d);
}

item_result document_store::del(index_data& idx, const bulk_action& a) {
  auto it = idx.docs.find(a.id);
  const stored_doc* cur = it == idx.docs.end() ? nullptr : &it->second;
  if (auto conflict = check_cas(a, idx, cur)) return std::move(*conflict);
  if (cur == nullptr) {
    // Not an error in Elasticsearch: the item says not_found with status 404, and "errors" stays false.
    const stored_doc gone{"", 1, idx.next_seq_no++};
    return success(a, idx, a.id, 404, "not_found", gone);
  }
  const stored_doc gone{"", cur->version + 1, idx.next_seq_no++};
  idx.docs.erase(it);
  return success(a, idx, a.id, 200, "deleted", gone);
}

}  // namespace sfsim::es
