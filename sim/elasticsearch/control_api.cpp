// The /_sim/ control API for tests: stored ids and documents, counters, faults and a wipe. Never faulted.
#include "sim/elasticsearch/es_server.hpp"
#include "sim/elasticsearch/json_text.hpp"

#include <algorithm>

namespace sfsim::es {

namespace {

std::string_view param(const query_params& q, std::string_view name) {
  for (const auto& [k, v] : q)
    if (k == name) return v;
  return {};
}

template <class Map>
void append_counts(std::string& out, const Map& m) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':' + std::to_string(v);
  }
  out += '}';
}

reply text(int status, std::string body) {
  return es_reply(status, std::move(body), "text/plain; charset=UTF-8");
}

}  // namespace

std::string es_sim::state_json() const {
  std::string out = "{\"documents\":{";
  bool first = true;
  for (const auto& [name, idx] : store_.all()) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':' + std::to_string(idx.doc_count());
  }
  out += "},\"data_streams\":{";
  first = true;
  for (const auto& [name, idx] : store_.all()) {
    if (!idx.data_stream) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_json_string(out, idx.write_index());
  }
  // Per concrete index: documents, the field count as Elasticsearch counts it, and mapping refusals.
  out += "},\"indices\":{";
  first = true;
  for (const auto& [name, idx] : store_.all()) {
    for (const auto& ci : idx.generations) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, ci.name);
      out += ":{\"documents\":" + std::to_string(ci.docs.size()) +
             ",\"fields\":" + std::to_string(ci.mapping.total_fields()) +
             ",\"fields_limit\":" + std::to_string(ci.limits.total_fields_limit) +
             ",\"fields_ignored_beyond_limit\":" + std::to_string(ci.mapping.ignored_beyond_limit()) +
             ",\"mapping_refusals\":";
      append_counts(out, ci.mapping_refusals);
      out += '}';
    }
  }
  out += "},\"documents_total\":" + std::to_string(store_.documents());
  out += ",\"requests\":";
  append_counts(out, requests_);
  out += ",\"bulk_requests\":" + std::to_string(bulk_requests_);
  out += ",\"items\":";
  append_counts(out, items_);
  out += ",\"faults\":";
  append_counts(out, faults_.injected());
  out += ",\"fault_rules\":[";
  for (std::size_t i = 0; i < faults_.rules().size(); ++i) {
    if (i) out += ',';
    append_json_string(out, faults_.rules()[i].spec);
  }
  out += "],\"bytes_received\":" + std::to_string(bytes_received_);
  out += ",\"bytes_decoded\":" + std::to_string(bytes_decoded_) + "}";
  return out;
}

reply es_sim::handle_control(request& req, std::string_view path, const query_params& q) {
  const auto method = req.method();
  if (path == "/_sim/state" && method == http::verb::get) return es_reply(200, state_json());
  if (path == "/_sim/ids" && method == http::verb::get) {
    // A data stream lists the ids of every backing index (an id in two of them appears twice); a backing
    // index name lists only its own.
    const std::string_view name = param(q, "index");
    const index_data* idx = store_.find(name);
    if (idx == nullptr) return text(200, "");
    std::vector<const concrete_index*> parts;
    if (const concrete_index* ci = store_.find_concrete(name); ci != nullptr && idx->data_stream)
      parts.push_back(ci);
    else
      for (const auto& g : idx->generations) parts.push_back(&g);
    std::vector<std::string_view> ids;
    for (const auto* ci : parts)
      for (const auto& [id, doc] : ci->docs) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    std::string out;
    for (const auto id : ids) {
      out += id;
      out += '\n';
    }
    return text(200, std::move(out));
  }
  if (path == "/_sim/doc" && method == http::verb::get) {
    const std::string_view name = param(q, "index");
    const index_data* idx = store_.find(name);
    if (idx != nullptr) {
      // The newest copy: the write index first, then older backing indices.
      for (auto g = idx->generations.rbegin(); g != idx->generations.rend(); ++g) {
        if (idx->data_stream && g->name != name && name != idx->name) continue;
        if (auto it = g->docs.find(std::string(param(q, "id"))); it != g->docs.end())
          return es_reply(200, it->second.source);
      }
    }
    return text(404, "no document [" + std::string(param(q, "id")) + "] in [" +
                         std::string(param(q, "index")) + "]\n");
  }
  if (path == "/_sim/data" && method == http::verb::delete_) {
    store_.wipe();
    return es_reply(200, "{\"acknowledged\":true}");
  }
  if (path == "/_sim/privileges") {
    if (method == http::verb::get) {
      std::string out;
      for (const auto& p : privileges_.lacking()) out += p + "\n";
      return text(200, std::move(out));
    }
    if (method == http::verb::post || method == http::verb::put) {
      if (!cfg_.security) return text(409, "es-sim runs with --no-security: there are no privileges to lack\n");
      privileges_.set_lacking(split_names(trim(req.body())));
      return es_reply(200, "{\"acknowledged\":true,\"lacking\":" + std::to_string(privileges_.lacking().size()) + "}");
    }
  }
  if (path == "/_sim/faults") {
    if (method == http::verb::delete_) {
      faults_.clear();
      return es_reply(200, "{\"acknowledged\":true}");
    }
    if (method == http::verb::get) return es_reply(200, state_json());
    if (method == http::verb::post || method == http::verb::put) {
      // All or nothing: one bad line adds none, so a test never runs with half its faults.
      std::vector<fault_rule> rules;
      std::string_view body = req.body();
      while (!body.empty()) {
        const auto nl = body.find('\n');
        const auto line = trim(body.substr(0, nl));
        body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        auto f = parse_fault(line);
        if (auto* e = std::get_if<std::string>(&f)) return text(400, *e + "\n");
        rules.push_back(std::get<fault_rule>(std::move(f)));
      }
      for (auto& r : rules) faults_.add(std::move(r));
      return es_reply(200,
                      "{\"acknowledged\":true,\"rules\":" + std::to_string(faults_.rules().size()) + "}");
    }
  }
  return text(
      404, "unknown control endpoint " + std::string(req.method_string()) + " " + std::string(path) + "\n");
}

}  // namespace sfsim::es
