// Templates, lifecycle and pipeline for one sink as JSON, chosen from the cluster's capabilities.
#include "sinks/elasticsearch/setup_plan.hpp"

#include "common/json/json_escape.hpp"
#include "config/index_pattern.hpp"
#include "common/units/units.hpp"
#include "common/log/logger.hpp"
#include "common/text/glob.hpp"
#include "sinks/elasticsearch/bulk.hpp"

#include <simdjson.h>

#include <algorithm>
#include <map>

namespace sf::sinks::elasticsearch {

namespace {

constexpr std::string_view managed_meta = R"({"managed_by":"scaleft-forwarder"})";

std::string json_quoted(std::string_view s) {
  std::string out = "\"";
  json::append_json_escaped(out, s);
  out.push_back('"');
  return out;
}

// Builds `{"a":..,"b":..}` from key/value pairs whose values are JSON text.
class object_text {
 public:
  object_text& add(std::string_view key, std::string_view json) {
    s_.append(s_.size() == 1 ? "" : ",").append(json_quoted(key)).append(":").append(json);
    return *this;
  }
  std::string str() const { return s_ + "}"; }

 private:
  std::string s_ = "{";
};

std::string array_of(const std::vector<std::string>& names) {
  std::string s = "[";
  for (const auto& n : names) s.append(s.size() == 1 ? "" : ",").append(json_quoted(n));
  return s + "]";
}

// The mappings of every field the renderer writes. Fields whose keys come from ScaleFT's data
// (scaleft.details, the related objects themselves) are one `flattened` field each: any number of
// distinct keys costs one mapping, so the field limit is never reached.
std::string mappings(const cluster_capabilities& caps, bool data_stream) {
  const std::string kw = R"({"type":"keyword","ignore_above":1024})";
  const std::string kw_text = R"({"type":"keyword","ignore_above":1024,"fields":{"text":{"type":"text"}}})";
  const std::string date = R"({"type":"date"})";
  // Without x-pack there is no `flattened`: the object is kept in _source and not indexed at all
  // (`enabled: false` also takes a value of any shape).
  const std::string opaque = caps.xpack ? R"({"type":"flattened","depth_limit":64,"ignore_above":8191})"
                                        : R"({"enabled":false})";
  // match_only_text (7.14+, mapper-extras) is what ECS uses for message; older nodes get text.
  const std::string message =
      caps.match_only_text && caps.at_least(7, 14) ? R"({"type":"match_only_text"})" : R"({"type":"text"})";
  auto props = [](const object_text& o) { return object_text().add("properties", o.str()).str(); };
  auto keywords = [&](std::initializer_list<std::string_view> names) {
    object_text o;
    for (auto n : names) o.add(n, kw);
    return o;
  };

  object_text event = keywords({"id", "kind", "action", "category", "type", "outcome", "dataset", "provider",
                                "module", "code", "reason"});
  event.add("created", date).add("ingested", date);
  auto user_fields = [&] {
    object_text u = keywords({"name", "id", "email", "domain"});
    u.add("full_name", kw_text);
    return u;
  };
  object_text user = user_fields();
  user.add("target", props(user_fields()));
  object_text os = keywords({"name", "type", "platform", "version"});
  os.add("full", kw_text);
  object_text host = keywords({"name", "hostname", "id"});
  host.add("ip", R"({"type":"ip"})").add("os", props(os));
  object_text source;
  source.add("ip", R"({"type":"ip"})");
  object_text related = keywords({"user", "hosts", "hash"});
  related.add("ip", R"({"type":"ip"})");
  object_text related_object = keywords({"ref", "id", "type"});
  related_object.add("object", opaque);
  // Objects carry no "type":"object": Elasticsearch leaves it out when it answers a GET, and setup compares.
  // dynamic:false: a key ScaleFT adds later, or an older document shape, stays in _source without adding
  // mappings.
  object_text related_objects;
  related_objects.add("dynamic", "false").add("properties", related_object.str());
  object_text scaleft_props;
  scaleft_props.add("details", opaque).add("related_objects", related_objects.str());
  object_text scaleft;
  scaleft.add("dynamic", "false").add("properties", scaleft_props.str());

  object_text p;
  p.add("@timestamp", date)
      .add("message", message)
      .add("ecs", props(keywords({"version"})))
      .add("event", props(event))
      .add("user", props(user))
      .add("host", props(host))
      .add("source", props(source))
      .add("related", props(related))
      .add("observer", props(keywords({"vendor", "product", "type"})))
      .add("scaleft", scaleft.str());
  if (data_stream) {
    const std::string ck = caps.xpack ? R"({"type":"constant_keyword"})" : kw;
    object_text ds;
    ds.add("type", ck).add("dataset", ck).add("namespace", ck);
    p.add("data_stream", props(ds));
  }
  return object_text().add("properties", p.str()).str();
}

std::string days(config::duration d) {
  return units::format_duration(d);
}

}  // namespace

bool cluster_capabilities::has_component(std::string_view name) const {
  return std::find(component_templates.begin(), component_templates.end(), name) != component_templates.end();
}

cluster_capabilities export_capabilities() {
  cluster_capabilities c;
  c.major = 8;
  c.minor = 14;
  c.xpack = true;
  c.ilm = true;
  c.component_templates = {"logs@settings", "logs@mappings", "ecs@mappings"};
  c.index_templates = {{"logs", {"logs-*-*"}, 100}};
  return c;
}

bool learn_missing_type(std::string_view reason, cluster_capabilities& caps) {
  constexpr std::string_view marker = "No handler for type [";
  const auto at = reason.find(marker);
  if (at == std::string_view::npos) return false;
  const auto start = at + marker.size();
  const std::string_view type = reason.substr(start, reason.find(']', start) - start);
  if ((type == "flattened" || type == "constant_keyword") && caps.xpack) {
    caps.xpack = false;
    return true;
  }
  if (type == "match_only_text" && caps.match_only_text) {
    caps.match_only_text = false;
    return true;
  }
  return false;
}

bool learn_missing_processor(std::string_view reason, cluster_capabilities& caps) {
  if (reason.find("No processor type exists with name [set]") == std::string_view::npos || !caps.ingest_set)
    return false;
  caps.ingest_set = false;
  return true;
}

void read_root_info(std::string_view body, cluster_capabilities& caps) {
  if (auto v = parse_version_number(body)) {
    caps.major = major_version(*v);
    const auto dot = v->find('.');
    caps.minor = dot == std::string::npos ? 0 : major_version(std::string_view(*v).substr(dot + 1));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root)) return;
  std::string_view flavor, distribution;
  // Either may be missing: an empty value then.
  if (root.at_pointer("/version/build_flavor").get(flavor)) flavor = {};
  if (root.at_pointer("/version/distribution").get(distribution)) distribution = {};
  // Only the default distribution says build_flavor "default"; OpenSearch says distribution "opensearch" (its 1.x/2.x versions are
  // not Elasticsearch versions: it branched from 7.10).
  if (distribution == "opensearch") {
    caps.opensearch = true;
    caps.major = 7;
    caps.minor = 10;
    caps.xpack = false;
  } else if (!flavor.empty() && flavor != "default") {
    // "oss" (7.x OSS builds) or "unknown" (a node built from the open modules, as embedded in tests).
    caps.xpack = false;
  }
}

std::vector<cluster_capabilities::index_template> parse_index_templates(std::string_view body) {
  std::vector<cluster_capabilities::index_template> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array list;
  if (parser.parse(body).get(root) || root["index_templates"].get(list)) return out;
  for (auto item : list) {
    cluster_capabilities::index_template t;
    std::string_view name;
    if (item["name"].get(name)) continue;
    t.name = std::string(name);
    simdjson::dom::array patterns;
    if (!item["index_template"]["index_patterns"].get(patterns)) {
      for (auto p : patterns) {
        std::string_view s;
        if (!p.get(s)) t.patterns.emplace_back(s);
      }
    }
    std::int64_t priority = 0;
    if (!item["index_template"]["priority"].get(priority)) t.priority = priority;
    out.push_back(std::move(t));
  }
  return out;
}

setup_names names_for(const config::elasticsearch_sink_config& cfg) {
  setup_names n;
  if (!cfg.data_stream.empty()) {
    n.data_stream = true;
    // logs-scaleft.audit-default: one template for every namespace of the dataset, as Fleet does it.
    const auto last = cfg.data_stream.rfind('-');
    n.base = cfg.data_stream.substr(0, last);
    n.index_patterns = {n.base + "-*"};
  } else {
    std::string problem;
    auto pattern = config::index_pattern::parse(cfg.index, problem);
    if (pattern && pattern->has_date()) {
      n.event_time = true;
      n.base = pattern->stem();
      n.index_patterns = {pattern->wildcard()};
    } else {
      n.base = cfg.index;
      n.index_patterns = {cfg.index};
    }
  }
  n.package = n.base + "@package";
  n.custom = n.base + "@custom";
  n.pipeline = n.base + "@pipeline";
  return n;
}

std::int64_t choose_priority(const std::vector<std::string>& patterns,
                             const std::vector<cluster_capabilities::index_template>& existing,
                             std::string_view own_name) {
  std::int64_t priority = 200;
  for (const auto& t : existing) {
    if (t.name == own_name) continue;
    bool overlaps = false;
    for (const auto& a : t.patterns)
      for (const auto& b : patterns) overlaps = overlaps || sfsim::es::glob_overlap(a, b);
    if (overlaps && t.priority >= priority) priority = t.priority + 1;
  }
  return priority;
}

setup_plan plan_setup(const config::elasticsearch_sink_config& cfg, const cluster_capabilities& caps) {
  setup_plan plan;
  if (!caps.at_least(7, 8)) {
    plan.refusal = "Elasticsearch " + std::to_string(caps.major) + "." + std::to_string(caps.minor) +
                   " has no composable index templates (7.8+ needed)";
    return plan;
  }
  const setup_names n = names_for(cfg);
  if (n.data_stream && !caps.xpack && caps.major < 8 && !caps.opensearch) {
    // 7.x data streams are an x-pack feature: an OSS node refuses a template with `data_stream`.
    plan.refusal = "Elasticsearch " + std::to_string(caps.major) + "." + std::to_string(caps.minor) +
                   " without x-pack has no data streams; use an index (e.g. index: " + n.base +
                   "-%{+yyyy.MM.dd})";
    return plan;
  }

  // The ingest pipeline: event.ingested is when Elasticsearch took the document, not when it was sent.
  // Without the `set` processor there is none, and no default_pipeline naming it (every write would fail).
  if (caps.ingest_set)
    plan.objects.push_back(
        {"ingest pipeline", n.pipeline, "/_ingest/pipeline/" + n.pipeline,
         R"({"description":"scaleft-forwarder: event.ingested = when Elasticsearch received the event",)"
         R"("processors":[{"set":{"field":"event.ingested","value":"{{{_ingest.timestamp}}}"}}]})"});
  else
    plan.warnings.push_back("no `set` ingest processor on this cluster (no ingest-common module): no pipeline; "
                            "the sink writes event.ingested at send time");

  // The lifecycle. A data stream rolls over (as the built-in logs policy does) and drops old backing
  // indices; event-time indices only need deleting; a fixed index has none (the loader refuses retention).
  std::string lifecycle_policy;
  std::string stream_lifecycle;
  const bool wants_lifecycle = n.data_stream || (n.event_time && cfg.retention.count() > 0);
  if (wants_lifecycle && caps.ilm) {
    object_text phases;
    if (n.data_stream) {
      const std::string rollover = caps.at_least(7, 13)
                                       ? R"({"max_age":"30d","max_primary_shard_size":"50gb"})"
                                       : R"({"max_age":"30d","max_size":"50gb"})";
      phases.add("hot", object_text()
                            .add("min_age", R"("0ms")")
                            .add("actions", object_text().add("rollover", rollover).str())
                            .str());
    }
    if (cfg.retention.count() > 0) {
      phases.add("delete", object_text()
                               .add("min_age", json_quoted(days(cfg.retention)))
                               .add("actions", R"({"delete":{}})")
                               .str());
    }
    lifecycle_policy = n.base;
    object_text policy;
    policy.add("phases", phases.str());
    if (caps.at_least(7, 14)) policy.add("_meta", managed_meta);  // policies take _meta from 7.14
    plan.objects.push_back({"lifecycle policy", n.base, "/_ilm/policy/" + n.base,
                            object_text().add("policy", policy.str()).str()});
  } else if (wants_lifecycle && n.data_stream && caps.at_least(8, 11)) {
    object_text l;
    if (cfg.retention.count() > 0) l.add("data_retention", json_quoted(days(cfg.retention)));
    l.add("enabled", "true");
    stream_lifecycle = l.str();
    plan.warnings.push_back("no ILM on this cluster: the data stream gets a data stream lifecycle" +
                            std::string(cfg.retention.count() > 0 ? " (retention " + days(cfg.retention) + ")"
                                                                  : " (no retention)"));
  } else if (wants_lifecycle) {
    plan.warnings.push_back(
        "no lifecycle: this cluster has neither ILM nor data stream lifecycles (8.11+); " +
        std::string(n.data_stream ? "the data stream will never roll over" : "") +
        std::string(cfg.retention.count() > 0 ? std::string(n.data_stream ? " and " : "") + "retention " +
                                                    days(cfg.retention) + " is not applied"
                                              : "") +
        "; delete old indices by other means");
  }

  // Our component template: mappings plus the settings that name the pipeline and the policy.
  object_text settings;
  if (caps.ingest_set) settings.add("index.default_pipeline", json_quoted(n.pipeline));
  if (!lifecycle_policy.empty()) settings.add("index.lifecycle.name", json_quoted(lifecycle_policy));
  // No settings at all (no pipeline, no lifecycle): none sent, since a cluster shows no empty object back.
  object_text component;
  if (settings.str() != "{}") component.add("settings", settings.str());
  component.add("mappings", mappings(caps, n.data_stream));
  plan.objects.push_back({"component template", n.package, "/_component_template/" + n.package,
                          object_text().add("template", component.str()).add("_meta", managed_meta).str()});

  // The index template, built on the cluster's own pieces where it has them (Fleet's order: the logs
  // defaults, our package, the user's hooks, then ECS dynamic templates for any field we do not map).
  std::vector<std::string> composed;
  std::vector<std::string> optional;
  const bool can_ignore_missing = caps.at_least(8, 7);
  auto builtin = [&](const std::string& name) {
    if (caps.has_component(name)) composed.push_back(name);
  };
  auto hook = [&](const std::string& name) {
    if (caps.has_component(name)) {
      composed.push_back(name);
      if (can_ignore_missing) optional.push_back(name);
    } else if (can_ignore_missing) {
      composed.push_back(name);
      optional.push_back(name);
    }
  };
  if (n.data_stream && n.base.rfind("logs-", 0) == 0) {
    builtin("logs@mappings");
    builtin("logs@settings");
  }
  composed.push_back(n.package);
  if (n.data_stream && n.base.rfind("logs-", 0) == 0) hook("logs@custom");
  hook(n.custom);
  builtin("ecs@mappings");
  if (n.data_stream && n.base.rfind("logs-", 0) == 0 && !caps.has_component("logs@settings"))
    plan.warnings.push_back("no logs@settings on this cluster: composed of our own templates only");
  if (!can_ignore_missing)
    plan.warnings.push_back("the cluster is older than 8.7 (no ignore_missing_component_templates): " + n.custom +
                            " is used only if it exists when setup runs");

  const std::int64_t priority = choose_priority(n.index_patterns, caps.index_templates, n.base);
  object_text index_template;
  index_template.add("index_patterns", array_of(n.index_patterns));
  if (n.data_stream) index_template.add("data_stream", "{}");
  index_template.add("priority", std::to_string(priority)).add("composed_of", array_of(composed));
  if (!optional.empty()) index_template.add("ignore_missing_component_templates", array_of(optional));
  if (!stream_lifecycle.empty())
    index_template.add("template", object_text().add("lifecycle", stream_lifecycle).str());
  index_template.add("_meta", managed_meta);
  plan.objects.push_back({"index template", n.base, "/_index_template/" + n.base, index_template.str()});
  return plan;
}

namespace {

// Flattens JSON into path -> scalar text. Keys with dots are split, so {"index.x":1} and {"index":{"x":"1"}}
// give the same entry; arrays add their length.
void flatten(simdjson::dom::element e, const std::string& path, std::map<std::string, std::string>& out) {
  using t = simdjson::dom::element_type;
  switch (e.type()) {
    case t::OBJECT:
      out[path + "{}"];  // the object's presence, so that a desired `{}` must exist too
    {
      simdjson::dom::object o;
      if (e.get(o)) break;
      for (auto [k, v] : o) flatten(v, path.empty() ? std::string(k) : path + "." + std::string(k), out);
      break;
    }
    case t::ARRAY: {
      simdjson::dom::array a;
      if (e.get(a)) break;
      std::size_t i = 0;
      for (auto v : a) flatten(v, path + "[" + std::to_string(i++) + "]", out);
      out[path + "[]"] = std::to_string(i);
      break;
    }
    case t::STRING: {
      std::string_view v;
      if (!e.get(v)) out[path] = std::string(v);
      break;
    }
    default:
      out[path] = simdjson::to_string(e);
  }
}

}  // namespace

bool json_covers(std::string_view actual, std::string_view desired) {
  simdjson::dom::parser pa, pd;
  simdjson::dom::element a, d;
  if (pa.parse(actual).get(a) || pd.parse(desired).get(d)) return false;
  std::map<std::string, std::string> fa, fd;
  flatten(a, "", fa);
  flatten(d, "", fd);
  for (const auto& [k, v] : fd) {
    auto it = fa.find(k);
    if (it == fa.end() || it->second != v) return false;
  }
  return true;
}

std::string existing_body(const setup_object& obj, std::string_view response) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(response).get(root)) return {};
  simdjson::dom::element found;
  if (obj.kind == "ingest pipeline" || obj.kind == "lifecycle policy") {
    if (root[obj.name].get(found)) return {};
    if (obj.kind == "lifecycle policy") {
      // GET answers {"<name>":{"version":..,"modified_date":..,"policy":{..}}}; PUT takes {"policy":{..}}.
      simdjson::dom::element policy;
      if (found["policy"].get(policy)) return {};
      return R"({"policy":)" + simdjson::to_string(policy) + "}";
    }
    return simdjson::to_string(found);
  }
  const char* list_key = obj.kind == "component template" ? "component_templates" : "index_templates";
  const char* item_key = obj.kind == "component template" ? "component_template" : "index_template";
  simdjson::dom::array list;
  if (root[list_key].get(list)) return {};
  for (auto item : list) {
    std::string_view name;
    if (!item["name"].get(name) && name == obj.name && !item[item_key].get(found))
      return simdjson::to_string(found);
  }
  return {};
}

namespace {

void pretty(simdjson::dom::element e, int depth, std::string& out) {
  const std::string pad(static_cast<std::size_t>(depth + 1) * 2, ' ');
  const std::string close_pad(static_cast<std::size_t>(depth) * 2, ' ');
  simdjson::dom::object o;
  simdjson::dom::array a;
  if (!e.get(o)) {
    if (o.size() == 0) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (auto [k, v] : o) {
      if (!first) out += ",\n";
      first = false;
      out += pad + json_quoted(k) + ": ";
      pretty(v, depth + 1, out);
    }
    out += "\n" + close_pad + "}";
  } else if (!e.get(a)) {
    if (a.size() == 0) {
      out += "[]";
      return;
    }
    out += "[\n";
    bool first = true;
    for (auto v : a) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      pretty(v, depth + 1, out);
    }
    out += "\n" + close_pad + "]";
  } else {
    out += simdjson::to_string(e);
  }
}

}  // namespace

std::string export_json(const std::vector<named_sink>& sinks, std::vector<std::string>& warnings) {
  std::string out = "[";
  for (const auto& sink : sinks) {
    const auto plan = plan_setup(*sink.cfg, export_capabilities());
    for (const auto& w : plan.warnings) warnings.push_back(sink.name + ": " + w);
    for (const auto& o : plan.objects) {
      object_text item;
      item.add("sink", json_quoted(sink.name))
          .add("kind", json_quoted(o.kind))
          .add("name", json_quoted(o.name))
          .add("method", R"("PUT")")
          .add("path", json_quoted(o.path))
          .add("body", o.body);
      out += (out.size() == 1 ? "" : ",") + item.str();
    }
  }
  return pretty_json(out + "]") + "\n";
}

std::string pretty_json(std::string_view compact) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(compact).get(root)) return std::string(compact);
  std::string out;
  pretty(root, 0, out);
  return out;
}

}  // namespace sf::sinks::elasticsearch
