// The _bulk request body: NDJSON action/source pairs parsed and validated as Elasticsearch does (pure).
#include "sim/elasticsearch/bulk_request.hpp"

#include <array>
#include <cstring>

namespace sfsim::es {

namespace {

constexpr std::array<std::string_view, 13> known_metadata{
    "_index",          "_id",           "routing",           "op_type",
    "pipeline",        "require_alias", "dynamic_templates", "if_seq_no",
    "if_primary_term", "version",       "version_type",      "retry_on_conflict",
    "_source"};
constexpr std::array<std::string_view, 7> known_update_fields{
    "doc", "doc_as_upsert", "upsert", "script", "scripted_upsert", "detect_noop", "_source"};
constexpr std::size_t max_id_bytes = 512;

rest_error illegal(std::string reason) {
  return {400, "illegal_argument_exception", std::move(reason), {}};
}

rest_error validation(const std::vector<std::string>& problems) {
  std::string reason = "Validation Failed: ";
  for (std::size_t i = 0; i < problems.size(); ++i)
    reason += std::to_string(i + 1) + ": " + problems[i] + ";";
  return {400, "action_request_validation_exception", std::move(reason), {}};
}

std::string token_name(simdjson::dom::element_type t) {
  using et = simdjson::dom::element_type;
  switch (t) {
    case et::OBJECT:
      return "START_OBJECT";
    case et::ARRAY:
      return "START_ARRAY";
    case et::STRING:
      return "VALUE_STRING";
    case et::BOOL:
      return "VALUE_BOOLEAN";
    case et::NULL_VALUE:
      return "VALUE_NULL";
    default:
      return "VALUE_NUMBER";
  }
}

// Elasticsearch reads scalar metadata with parser.text(): strings as they are, numbers and booleans as text.
bool scalar_text(simdjson::dom::element v, std::string& out) {
  using et = simdjson::dom::element_type;
  switch (v.type()) {
    case et::STRING:
      out = std::string(v.get_string().value_unsafe());
      return true;
    case et::INT64:
      out = std::to_string(v.get_int64().value_unsafe());
      return true;
    case et::UINT64:
      out = std::to_string(v.get_uint64().value_unsafe());
      return true;
    case et::DOUBLE:
      out = simdjson::minify(v);
      return true;
    case et::BOOL:
      out = v.get_bool().value_unsafe() ? "true" : "false";
      return true;
    default:
      return false;
  }
}

std::string_view slice_line(std::string_view body, std::size_t from, std::size_t to) {
  std::string_view line = body.substr(from, to - from);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool blank(std::string_view s) {
  for (const char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

// "[1:5] Unexpected character..." : Elasticsearch names line and column; we name the line and simdjson's
// view.
rest_error parse_failure(std::size_t line, simdjson::error_code ec) {
  return {400,
          "x_content_parse_exception",
          "[" + std::to_string(line) +
              ":1] Unexpected character or end of input: " + std::string(simdjson::error_message(ec)),
          {}};
}

// Parses one action line into `a`; an error is a whole-request error.
std::optional<rest_error> parse_action(std::string_view line_text, bool padded, std::size_t line,
                                       const bulk_defaults& defaults, simdjson::dom::parser& parser,
                                       bulk_action& a) {
  simdjson::dom::element root;
  if (auto ec = parser.parse(line_text.data(), line_text.size(), !padded).get(root))
    return parse_failure(line, ec);
  const std::string prefix = "Malformed action/metadata line [" + std::to_string(line) + "], ";
  if (root.type() != simdjson::dom::element_type::OBJECT)
    return illegal(prefix + "expected START_OBJECT but found [" + token_name(root.type()) + "]");
  const simdjson::dom::object obj = root.get_object().value_unsafe();
  if (obj.size() == 0) return illegal(prefix + "expected FIELD_NAME but found [END_OBJECT]");
  if (obj.size() > 1) return illegal(prefix + "expected END_OBJECT but found [FIELD_NAME]");
  const auto field = *obj.begin();
  if (field.key == "create")
    a.op = op_type::create;
  else if (field.key == "index")
    a.op = op_type::index;
  else if (field.key == "update")
    a.op = op_type::update;
  else if (field.key == "delete")
    a.op = op_type::del;
  else
    return illegal(prefix + "expected one of [create, delete, index, update] but found [" +
                   std::string(field.key) + "]");
  if (field.value.type() != simdjson::dom::element_type::OBJECT)
    return illegal(prefix + "expected START_OBJECT but found [" + token_name(field.value.type()) + "]");
  a.line = line;
  a.require_alias = defaults.require_alias;
  bool index_given = false;
  const simdjson::dom::object metadata = field.value.get_object().value_unsafe();
  for (const auto meta : metadata) {
    bool known = false;
    for (const auto k : known_metadata) known = known || meta.key == k;
    if (!known)
      return illegal("Action/metadata line [" + std::to_string(line) + "] contains an unknown parameter [" +
                     std::string(meta.key) + "]");
    if (meta.key == "dynamic_templates" || meta.key == "_source") continue;  // objects; accepted, not used
    std::string text;
    if (!scalar_text(meta.value, text)) {
      if (meta.value.is_null()) continue;
      return illegal(prefix + "expected a simple value for field [" + std::string(meta.key) +
                     "] but found [" + token_name(meta.value.type()) + "]");
    }
    if (meta.key == "_index") {
      a.index = std::move(text);
      index_given = true;
    } else if (meta.key == "_id") {
      a.id = std::move(text);
      a.has_id = true;
    } else if (meta.key == "op_type") {
      if (text == "create")
        a.op_type_create = true;
      else if (text != "index")
        return illegal("opType must be 'create' or 'index', found: [" + text + "]");
    } else if (meta.key == "pipeline") {
      a.pipeline = std::move(text);
    } else if (meta.key == "require_alias") {
      a.require_alias = text == "true";
    } else if (meta.key == "if_seq_no" || meta.key == "if_primary_term") {
      char* end = nullptr;
      const long long v = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0') return illegal("[" + std::string(meta.key) + "] must be a number");
      (meta.key == "if_seq_no" ? a.if_seq_no : a.if_primary_term) = v;
    }
  }
  if (!index_given) a.index = std::string(defaults.index);
  if (a.op == op_type::create) a.op_type_create = true;
  return std::nullopt;
}

std::vector<std::string> validate(const bulk_action& a) {
  std::vector<std::string> problems;
  if (a.index.empty()) problems.emplace_back("index is missing");
  if (a.has_id && a.id.empty()) problems.emplace_back("if _id is specified it must not be empty");
  if (a.id.size() > max_id_bytes)
    problems.push_back("id [" + a.id + "] is too long, must be no longer than 512 bytes but was: " +
                       std::to_string(a.id.size()));
  if ((a.op == op_type::update || a.op == op_type::del) && !a.has_id) problems.emplace_back("id is missing");
  if (a.op_type_create && (a.if_seq_no || a.if_primary_term))
    problems.emplace_back("create operations do not support compare and set. use index instead");
  return problems;
}

std::optional<rest_error> check_update_source(std::string_view src, bool padded, std::size_t line,
                                              simdjson::dom::parser& parser) {
  simdjson::dom::element root;
  if (auto ec = parser.parse(src.data(), src.size(), !padded).get(root)) return parse_failure(line, ec);
  if (root.type() != simdjson::dom::element_type::OBJECT)
    return rest_error{400,
                      "x_content_parse_exception",
                      "[" + std::to_string(line) +
                          ":1] [UpdateRequest] Expected START_OBJECT but was: " + token_name(root.type()),
                      {}};
  const simdjson::dom::object fields = root.get_object().value_unsafe();
  for (const auto f : fields) {
    bool known = false;
    for (const auto k : known_update_fields) known = known || f.key == k;
    if (!known)
      return rest_error{
          400,
          "x_content_parse_exception",
          "[" + std::to_string(line) + ":2] [UpdateRequest] unknown field [" + std::string(f.key) + "]",
          {}};
    if (f.key == "script" || f.key == "scripted_upsert")
      return illegal("es-sim does not run scripts: use a partial \"doc\" update");
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(op_type op) {
  switch (op) {
    case op_type::create:
      return "create";
    case op_type::index:
      return "index";
    case op_type::update:
      return "update";
    case op_type::del:
      return "delete";
  }
  return "?";
}

std::variant<std::vector<bulk_action>, rest_error> parse_bulk(simdjson::padded_string_view body_padded,
                                                              const bulk_defaults& defaults,
                                                              simdjson::dom::parser& parser) {
  const std::string_view body(body_padded.data(), body_padded.length());
  const char* const readable_end = body_padded.data() + body_padded.capacity();
  auto padded = [&](std::string_view t) {
    return t.data() + t.size() + simdjson::SIMDJSON_PADDING <= readable_end;
  };
  if (body.empty()) return rest_error{400, "parse_exception", "request body is required", {}};
  std::vector<bulk_action> actions;
  actions.reserve(body.size() / 256 + 1);
  std::vector<std::string> problems;
  std::size_t from = 0;
  std::size_t line = 0;
  while (from < body.size()) {
    const char* nl = static_cast<const char*>(std::memchr(body.data() + from, '\n', body.size() - from));
    if (nl == nullptr) return illegal("The bulk request must be terminated by a newline [\\n]");
    const std::size_t end = static_cast<std::size_t>(nl - body.data());
    ++line;
    const std::string_view action_text = slice_line(body, from, end);
    from = end + 1;
    if (blank(action_text)) continue;  // Elasticsearch skips empty action lines
    bulk_action a;
    if (auto err = parse_action(action_text, padded(action_text), line, defaults, parser, a))
      return std::move(*err);
    if (a.op != op_type::del) {
      const char* snl =
          from < body.size()
              ? static_cast<const char*>(std::memchr(body.data() + from, '\n', body.size() - from))
              : nullptr;
      if (snl == nullptr) {
        if (from < body.size()) return illegal("The bulk request must be terminated by a newline [\\n]");
        problems.emplace_back("source is missing");
        problems.emplace_back("content type is missing");
        return validation(problems);
      }
      const std::size_t send = static_cast<std::size_t>(snl - body.data());
      ++line;
      a.source = slice_line(body, from, send);
      a.source_padded = padded(a.source);
      from = send + 1;
      if (blank(a.source)) {
        problems.emplace_back("source is missing");
        problems.emplace_back("content type is missing");
      } else if (a.op == op_type::update) {
        if (auto err = check_update_source(a.source, a.source_padded, line, parser)) return std::move(*err);
      }
    }
    for (auto& p : validate(a)) problems.push_back(std::move(p));
    actions.push_back(std::move(a));
  }
  if (actions.empty()) problems.emplace_back("no requests added");
  if (!problems.empty()) return validation(problems);
  return actions;
}

}  // namespace sfsim::es
