// The in-memory indices and data streams: concrete indices with their mappings, documents by _id, versions,
// sequence numbers, backing indices and rollover, ingest, and item outcomes.
#include "sim/elasticsearch/document_store.hpp"

#include "common/time/rfc3339.hpp"

#include "sim/elasticsearch/json_text.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sfsim::es {

namespace {

std::string utc_today() {
  // The date of an RFC 3339 time, "2026-12-01T..." -> "2026.12.01" (the default rollover name's date).
  std::string day = sf::time::format_rfc3339(std::chrono::system_clock::now(), 0).substr(0, 10);
  day[4] = day[7] = '.';
  return day;
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

std::uint64_t index_data::doc_count() const {
  std::uint64_t n = 0;
  for (const auto& g : generations) n += g.docs.size();
  return n;
}

document_store::document_store(const index_templates& templates, const ingest_pipelines& pipelines,
                               store_options opt, date_source today)
    : templates_(templates),
      pipelines_(pipelines),
      opt_(opt),
      today_(today ? std::move(today) : date_source(utc_today)),
      id_state_(mix(opt.seed)) {}

std::uint64_t document_store::documents() const {
  std::uint64_t n = 0;
  for (const auto& [name, idx] : indices_) n += idx.doc_count();
  return n;
}

const index_data* document_store::find(std::string_view name) const {
  if (auto it = indices_.find(name); it != indices_.end()) return &it->second;
  if (auto b = backing_to_name_.find(name); b != backing_to_name_.end())
    return &indices_.find(b->second)->second;
  return nullptr;
}

const concrete_index* document_store::find_concrete(std::string_view name) const {
  const index_data* idx = find(name);
  if (idx == nullptr) return nullptr;
  if (!idx->data_stream) return &idx->write();
  for (const auto& g : idx->generations)
    if (g.name == name) return &g;
  return nullptr;
}

index_data* document_store::resolve(std::string_view name) {
  return const_cast<index_data*>(find(name));
}

concrete_index& document_store::add_generation(index_data& idx, std::string_view settings,
                                               std::string_view mappings) {
  concrete_index ci;
  // Short bucket chains: a new _id (the common case) then rarely walks a node, each a cache miss.
  ci.docs.max_load_factor(0.25f);
  const std::size_t gen = idx.generations.size() + 1;
  if (idx.data_stream) {
    char num[16];
    std::snprintf(num, sizeof num, "%06zu", gen);
    ci.name = ".ds-" + idx.name + "-" + today_() + "-" + num;
  } else {
    ci.name = idx.name;
  }
  // A 22-character id like Elasticsearch's index UUIDs, derived from the seed so runs repeat.
  const std::uint64_t salt = mix(id_state_ + ++uuid_counter_);
  ci.uuid = base64_encode(std::string(reinterpret_cast<const char*>(&salt), 8) + ci.name).substr(0, 22);
  for (auto& c : ci.uuid)
    if (c == '+' || c == '/' || c == '=') c = 'x';
  // Mappings and settings come from the templates as they are now (a rollover picks up template changes).
  const resolved_template rt = templates_.resolve(idx.name);
  ci.settings = rt.settings;
  if (!settings.empty()) merge_settings(settings, ci.settings);
  ci.limits = limits_from(ci.settings);
  if (idx.data_stream) {
    ci.mapping.merge(R"({"properties":{"@timestamp":{"type":"date"}}})", opt_.flavor);
    ci.mapping.set_data_stream(true);
  }
  for (const auto& m : rt.mappings) ci.mapping.merge(m, opt_.flavor);  // validated when the template was put
  if (!mappings.empty()) ci.mapping.merge(mappings, opt_.flavor);       // validated by the caller
  if (idx.data_stream) backing_to_name_.emplace(ci.name, idx.name);
  idx.generations.push_back(std::move(ci));
  return idx.generations.back();
}

index_data& document_store::create_target(std::string_view name, std::string_view settings,
                                          std::string_view mappings) {
  index_data idx;
  idx.name = std::string(name);
  const index_template* t = templates_.match(name);
  idx.data_stream = t != nullptr && t->data_stream;
  if (t) idx.template_name = t->name;
  idx.lifecycle = templates_.resolve(name).lifecycle;
  index_data& stored = indices_.emplace(idx.name, std::move(idx)).first->second;
  add_generation(stored, settings, mappings);
  return stored;
}

void document_store::remove_target(std::string_view name) {
  auto it = indices_.find(name);
  if (it == indices_.end()) return;
  for (const auto& g : it->second.generations) backing_to_name_.erase(g.name);
  indices_.erase(it);
}

std::uint64_t concrete_index::source_bytes() const {
  std::uint64_t n = 0;
  for (const auto& [id, d] : docs) n += d.source.size();
  return n;
}

rollover_result document_store::rollover(std::string_view stream, bool met, bool dry_run) {
  rollover_result r;
  index_data* idx = resolve(stream);
  if (idx == nullptr || !idx->data_stream) return r;
  r.old_index = idx->write_index();
  char num[16];
  std::snprintf(num, sizeof num, "%06zu", idx->generations.size() + 1);
  r.new_index = ".ds-" + idx->name + "-" + today_() + "-" + num;
  if (!met || dry_run) return r;
  add_generation(*idx);
  r.rolled_over = true;
  return r;
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

std::optional<item_result> document_store::check_source(concrete_index& ci, const index_data& idx,
                                                        const bulk_action& a, std::string_view source,
                                                        std::string_view id) {
  simdjson::dom::element root;
  const std::string_view parsing = opt_.flavor.parsing_exception();
  const bool located = opt_.flavor.major >= 8;
  auto fail = [&](std::string reason) {
    item_result r = item_failure(a, 400, std::string(parsing), std::move(reason));
    r.index = ci.name;
    r.id = std::string(id);
    return r;
  };
  if (auto ec = source_parser_.parse(source.data(), source.size(), !a.source_padded).get(root))
    return fail((located ? "[1:1] " : "") + std::string("failed to parse: ") + simdjson::error_message(ec));
  if (root.type() != simdjson::dom::element_type::OBJECT)
    return fail((located ? "[1:1] " : "") + std::string("failed to parse: the document source must be a JSON object"));
  if (idx.data_stream) {
    simdjson::dom::element ts;
    if (root.at_key("@timestamp").get(ts) != simdjson::SUCCESS || !(ts.is_string() || ts.is_number()))
      return fail((located ? "[1:" + std::to_string(source.size()) + "] " : std::string()) +
                  "failed to parse: data stream timestamp field [@timestamp] is missing");
  }
  if (auto f = ci.mapping.apply(root.get_object().value_unsafe(), source, id, ci.name, ci.limits, opt_.flavor)) {
    ++ci.mapping_refusals[f->kind];
    item_result r = item_failure(a, 400, std::move(f->type), std::move(f->reason));
    r.index = ci.name;
    r.id = std::string(id);
    r.caused_by_type = std::move(f->caused_by_type);
    r.caused_by_reason = std::move(f->caused_by_reason);
    return r;
  }
  return std::nullopt;
}

item_result document_store::apply(const bulk_action& a_in, std::string_view url_pipeline) {
  const bulk_action* act = &a_in;
  index_data* idx = resolve(a_in.index);
  if (a_in.require_alias)
    return item_failure(a_in, 404, "index_not_found_exception",
                        "no such index [" + a_in.index + "] and [require_alias] request flag is [true] and [" +
                            a_in.index + "] is not an alias");
  if (idx == nullptr) {
    if (a_in.op == op_type::del)
      return item_failure(a_in, 404, "index_not_found_exception", "no such index [" + a_in.index + "]");
    if (auto bad = invalid_index_name(a_in.index))
      return item_failure(a_in, 400, "invalid_index_name_exception", *bad);
  }
  // Ingest runs before the index is created, as on a cluster: a failed pipeline creates nothing.
  bulk_action piped;
  std::string piped_source;
  if (a_in.op == op_type::create || a_in.op == op_type::index) {
    std::string pid = a_in.pipeline.empty() ? std::string(url_pipeline) : a_in.pipeline;
    if (pid.empty())
      pid = setting_or(idx ? idx->write().settings : templates_.resolve(a_in.index).settings, "index.default_pipeline");
    if (!pid.empty() && pid != "_none") {
      const std::string ts = ingest_timestamp_now();
      ingest_outcome o = pipelines_.run(pid, a_in.source, {a_in.index, a_in.id, ts});
      if (!o.error_type.empty()) return item_failure(a_in, 400, std::move(o.error_type), std::move(o.error_reason));
      piped = a_in;
      piped_source = std::move(o.source);
      piped.source = piped_source;
      piped.source_padded = false;
      act = &piped;
    }
  }
  const bulk_action& a = *act;
  if (idx == nullptr) idx = &create_target(a.index);
  if (idx->data_stream && !a.op_type_create) {
    item_result r = item_failure(a, 400, "illegal_argument_exception",
                                 "only write ops with an op_type of create are allowed in data streams");
    r.index = idx->name;
    return r;
  }
  switch (a.op) {
    case op_type::create:
    case op_type::index: {
      item_result r = write(*idx, a, a.has_id ? a.id : generate_id(), a.op_type_create);
      // ILM's max_docs rollover, done at once rather than on ILM's poll interval so tests are exact.
      if (r.ok() && idx->data_stream && opt_.rollover_max_docs > 0 &&
          idx->write().docs.size() >= opt_.rollover_max_docs)
        rollover(idx->name, true, false);
      return r;
    }
    case op_type::update:
      return update(*idx, a);
    case op_type::del:
      return del(*idx, a);
  }
  return item_failure(a, 500, "illegal_state_exception", "unknown operation");
}

namespace {

item_result success(const bulk_action& a, const concrete_index& idx, std::string id, int status,
                    std::string_view result, const stored_doc& d) {
  item_result r;
  r.op = a.op;
  r.index = idx.name;
  r.id = std::move(id);
  r.status = status;
  r.result = result;
  r.version = d.version;
  r.seq_no = d.seq_no;
  return r;
}

// if_seq_no / if_primary_term: compare-and-set against the current document (primary term is always 1).
std::optional<item_result> check_cas(const bulk_action& a, const concrete_index& idx, const stored_doc* cur) {
  if (!a.if_seq_no && !a.if_primary_term) return std::nullopt;
  const std::int64_t want_seq = a.if_seq_no.value_or(-2);
  const std::int64_t want_term = a.if_primary_term.value_or(0);
  if (cur != nullptr && cur->seq_no == want_seq && want_term == 1) return std::nullopt;
  std::string reason = "[" + a.id + "]: version conflict, required seqNo [" + std::to_string(want_seq) +
                       "], primary term [" + std::to_string(want_term) + "]";
  reason += cur ? ". current document has seqNo [" + std::to_string(cur->seq_no) + "] and primary term [1]"
                : " but no document was found";
  item_result r = item_failure(a, 409, "version_conflict_engine_exception", std::move(reason));
  r.index = idx.name;
  r.error_index_uuid = idx.uuid;
  return r;
}

}  // namespace

item_result document_store::write(index_data& target, const bulk_action& a, std::string id, bool create_only) {
  concrete_index& idx = target.write();  // a create meets an existing _id only in the write index
  if (auto bad = check_source(idx, target, a, a.source, id)) return std::move(*bad);
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
    r.index = idx.name;
    r.id = std::move(id);
    r.error_index_uuid = idx.uuid;
    return r;
  }
  d.source.assign(a.source.data(), a.source.size());
  ++d.version;
  d.seq_no = idx.next_seq_no++;
  return success(a, idx, std::move(id), 200, "updated", d);
}

item_result document_store::update(index_data& target, const bulk_action& a) {
  concrete_index& idx = target.write();
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
      r.index = idx.name;
      r.error_index_uuid = idx.uuid;
      return r;
    }
    std::string source = simdjson::minify(has_upsert ? upsert : doc);
    bulk_action as_source = a;
    as_source.source_padded = false;
    if (auto bad = check_source(idx, target, as_source, source, a.id)) return std::move(*bad);
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
  bulk_action as_source = a;
  as_source.source_padded = false;
  if (auto bad = check_source(idx, target, as_source, merged, a.id)) return std::move(*bad);
  d.source = std::move(merged);
  ++d.version;
  d.seq_no = idx.next_seq_no++;
  return success(a, idx, a.id, 200, "updated", d);
}

item_result document_store::del(index_data& target, const bulk_action& a) {
  concrete_index& idx = target.write();
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
