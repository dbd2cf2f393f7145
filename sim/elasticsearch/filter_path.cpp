// The filter_path query parameter: keep only the response members that the listed paths name.
#include "sim/elasticsearch/filter_path.hpp"

#include "common/text/glob.hpp"
#include "sim/elasticsearch/json_text.hpp"

#include <vector>

namespace sfsim::es {

namespace {

using path = std::vector<std::string>;
struct state {
  std::size_t path_index;
  std::size_t segment;
};

struct filter {
  std::vector<path> paths;

  // Moves `s` across one object key; sets `full` when a path ends on this key (the whole value is kept).
  void step(state s, std::string_view key, std::vector<state>& next, bool& full) const {
    const path& p = paths[s.path_index];
    const std::string& seg = p[s.segment];
    const bool last = s.segment + 1 == p.size();
    if (seg == "**") {
      if (last) {
        full = true;
        return;
      }
      next.push_back(s);                                     // ** swallows this key too
      step({s.path_index, s.segment + 1}, key, next, full);  // or matches no key at all
      return;
    }
    if (!glob_match(seg, key)) return;
    if (last)
      full = true;
    else
      next.push_back({s.path_index, s.segment + 1});
  }

  // Writes the filtered `v` to `out`; returns false (and writes nothing) when nothing in it matched.
  bool emit(simdjson::dom::element v, const std::vector<state>& states, std::string& out) const {
    if (states.empty()) return false;
    const std::size_t mark = out.size();
    if (v.is_object()) {
      out.push_back('{');
      bool any = false;
      std::vector<state> next;
      const simdjson::dom::object fields = v.get_object().value_unsafe();
      for (const auto f : fields) {
        next.clear();
        bool full = false;
        for (const auto& s : states) step(s, f.key, next, full);
        const std::size_t before = out.size();
        if (any) out.push_back(',');
        append_json_string(out, f.key);
        out.push_back(':');
        if (full) {
          out += simdjson::minify(f.value);
        } else if (!emit(f.value, next, out)) {
          out.resize(before);
          continue;
        }
        any = true;
      }
      if (!any) {
        out.resize(mark);
        return false;
      }
      out.push_back('}');
      return true;
    }
    if (v.is_array()) {
      out.push_back('[');
      bool any = false;
      const simdjson::dom::array elements = v.get_array().value_unsafe();
      for (const auto e : elements) {
        const std::size_t before = out.size();
        if (any) out.push_back(',');
        if (!emit(e, states, out)) {
          out.resize(before);
          continue;
        }
        any = true;
      }
      if (!any) {
        out.resize(mark);
        return false;
      }
      out.push_back(']');
      return true;
    }
    return false;  // a scalar reached with a path still unfinished does not match
  }
};

}  // namespace

std::string apply_filter_path(std::string_view json, std::string_view filter_text,
                              simdjson::dom::parser& parser) {
  filter f;
  while (!filter_text.empty()) {
    const auto comma = filter_text.find(',');
    const auto item = trim(filter_text.substr(0, comma));
    filter_text = comma == std::string_view::npos ? std::string_view{} : filter_text.substr(comma + 1);
    if (item.empty() || item.front() == '-') continue;
    path p;
    std::string_view rest = item;
    for (;;) {
      const auto dot = rest.find('.');
      p.emplace_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest = rest.substr(dot + 1);
    }
    f.paths.push_back(std::move(p));
  }
  if (f.paths.empty()) return std::string(json);
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) return std::string(json);
  std::vector<state> start;
  for (std::size_t i = 0; i < f.paths.size(); ++i) start.push_back({i, 0});
  std::string out;
  out.reserve(json.size() / 2);
  if (!f.emit(root, start, out)) return "{}";
  return out;
}

}  // namespace sfsim::es
