// The I/O of setup: a few GETs to learn the cluster, then GET-compare-PUT per object, in dependency order.
#include "sinks/elasticsearch/setup_runner.hpp"

#include "sinks/elasticsearch/bulk.hpp"

#include <boost/asio/this_coro.hpp>

namespace sf::sinks::elasticsearch {

namespace bhttp = boost::beast::http;

bool setup_report::ok() const {
  if (!error.empty()) return false;
  for (const auto& l : lines)
    if (l.refused) return false;
  return true;
}

namespace {

struct answer {
  bool transport_ok = false;
  std::string transport_error;
  int status = 0;
  std::string body;
};

class session {
 public:
  session(http::client& c, const std::string& base, const std::string& authorization)
      : client_(c), base_(base), authorization_(authorization) {}

  boost::asio::awaitable<answer> call(bhttp::verb verb, std::string path, std::string body = {}) {
    http::request req{verb, http::join_path(base_, path), 11};
    if (!authorization_.empty()) req.set(bhttp::field::authorization, authorization_);
    req.set(bhttp::field::accept, "application/json");
    if (verb == bhttp::verb::put) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = std::move(body);
    }
    auto r = co_await client_.send(std::move(req));
    answer a;
    a.transport_ok = r.ok();
    a.transport_error = r.error;
    if (r.ok()) {
      a.status = static_cast<int>(r.res.result_int());
      a.body = std::move(r.res.body());
    }
    co_return a;
  }

 private:
  http::client& client_;
  const std::string& base_;
  const std::string& authorization_;
};

// "/_component_template/logs-x@package" with the name percent-encoded.
std::string encoded_path(const setup_object& o) {
  const auto slash = o.path.rfind('/');
  return o.path.substr(0, slash + 1) + http::percent_encode(o.path.substr(slash + 1));
}

std::string refusal_text(const answer& a) {
  if (!a.transport_ok) return "refused: " + a.transport_error;
  const auto e = parse_request_error(a.body);
  std::string s = "refused: " + std::to_string(a.status);
  if (!e.type.empty()) s += " " + e.type;
  if (!e.reason.empty()) s += ": " + e.reason;
  return s;
}

}  // namespace

boost::asio::awaitable<setup_report> run_setup(http::client& client, const std::string& base,
                                               const std::string& authorization,
                                               const config::elasticsearch_sink_config& cfg) {
  setup_report report;
  session s(client, base, authorization);
  using bhttp::verb;

  const answer root = co_await s.call(verb::get, "/");
  if (!root.transport_ok) {
    report.error = "cannot reach Elasticsearch: " + root.transport_error;
    co_return report;
  }
  if (root.status < 200 || root.status >= 300) {
    // Without the version nothing can be chosen; setup needs cluster `monitor` (manage_* imply it).
    report.lines.push_back({"cluster", "info (GET /)", refusal_text(root), true});
    co_return report;
  }
  cluster_capabilities caps;
  read_root_info(root.body, caps);
  report.version = parse_version_number(root.body).value_or("");

  const setup_names names = names_for(cfg);
  const std::vector<std::string> lookups = {"logs@settings", "logs@mappings", "ecs@mappings", "logs@custom",
                                            names.custom};
  for (const std::string& name : lookups) {
    const answer a = co_await s.call(verb::get, "/_component_template/" + http::percent_encode(name));
    if (!a.transport_ok) {
      report.error = "cannot reach Elasticsearch: " + a.transport_error;
      co_return report;
    }
    if (a.status == 200) caps.component_templates.push_back(name);
  }
  const answer templates = co_await s.call(verb::get, "/_index_template");
  if (templates.transport_ok && templates.status == 200)
    caps.index_templates = parse_index_templates(templates.body);
  // 200, or 404 resource_not_found_exception (no such policy), mean ILM is there. Without it the path is
  // read as a document GET on an index "_ilm" (7.x: 404 index_not_found_exception) or has no handler (400).
  const answer ilm = co_await s.call(verb::get, "/_ilm/policy/" + http::percent_encode(names.base));
  caps.ilm = ilm.transport_ok &&
             (ilm.status == 200 ||
              (ilm.status == 404 && parse_request_error(ilm.body).type == "resource_not_found_exception"));

  setup_plan plan = plan_setup(cfg, caps);
  if (!plan.refusal.empty()) {
    report.warnings = plan.warnings;
    report.lines.push_back({"cluster", "version " + report.version, "refused: " + plan.refusal, true});
    co_return report;
  }
  bool pipeline_ok = false;
  bool template_ok = false;
  for (std::size_t i = 0; i < plan.objects.size(); ++i) {
    const setup_object& obj = plan.objects[i];
    const std::string path = encoded_path(obj);
    const answer current = co_await s.call(verb::get, path);
    if (!current.transport_ok) {
      report.error = "cannot reach Elasticsearch: " + current.transport_error;
      co_return report;
    }
    setup_line line{obj.kind, obj.name, {}, false};
    const std::string existing = current.status == 200 ? existing_body(obj, current.body) : std::string();
    if (!existing.empty() && json_covers(existing, obj.body)) {
      line.outcome = "already up to date";
    } else {
      const answer put = co_await s.call(verb::put, path, obj.body);
      if (put.transport_ok && put.status >= 200 && put.status < 300) {
        line.outcome = existing.empty() ? "created" : "updated";
      } else {
        // A node without x-pack says which type it lacks only when asked: plan again without it.
        const std::string reason = put.transport_ok ? parse_request_error(put.body).reason : std::string();
        if (put.transport_ok && put.status == 400 &&
            (learn_missing_type(reason, caps) || learn_missing_processor(reason, caps))) {
          plan = plan_setup(cfg, caps);
          if (!plan.refusal.empty()) {
            report.warnings = plan.warnings;
            report.lines.push_back({"cluster", "version " + report.version, "refused: " + plan.refusal, true});
            co_return report;
          }
          --i;
          continue;
        }
        line.outcome = refusal_text(put);
        line.refused = true;
      }
    }
    if (!line.refused && obj.kind == "ingest pipeline") pipeline_ok = true;
    if (!line.refused && obj.kind == "index template") template_ok = true;
    report.lines.push_back(std::move(line));
  }
  report.warnings = plan.warnings;
  if (!caps.xpack)
    report.warnings.push_back("no flattened/constant_keyword on this cluster (no x-pack): ScaleFT's own objects "
                              "are kept in _source but not indexed");
  report.pipeline_set = pipeline_ok && template_ok && report.ok();
  co_return report;
}

}  // namespace sf::sinks::elasticsearch
