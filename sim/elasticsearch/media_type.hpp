// Content-Type / Accept negotiation for REST requests, as Elasticsearch 8 does it (pure, no I/O).
#pragma once

#include "sim/elasticsearch/rest_error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sfsim::es {

struct media_ok {
  std::optional<int> compatible_with;  // set when the v8/v7 compatibility media types were used
};

// The outcome of checking one request's headers.
struct media_rejection {
  int status = 400;
  std::string body;  // the complete JSON body to answer with
};

// `content_type` / `accept`: the header values (empty if absent). `has_body`: the request carries a body,
// so its Content-Type must be one ES reads (JSON or NDJSON), else 406 in the string form.
std::variant<media_ok, media_rejection> check_media(std::string_view content_type, std::string_view accept,
                                                    bool has_body);

// The response Content-Type to use for JSON answers.
std::string response_content_type(const media_ok& m);

}  // namespace sfsim::es
