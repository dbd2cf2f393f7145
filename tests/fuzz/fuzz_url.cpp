// Fuzz target: URL parsing, reference resolution, query parameters and percent-encoding.
#include "common/http/url.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = sf::fuzz::as_text(data, size);
  // The input is "base\nreference" (no newline: the whole input is both).
  const auto nl = text.find('\n');
  const auto base_text = text.substr(0, nl);
  const auto ref = nl == std::string_view::npos ? text : text.substr(nl + 1);

  if (auto u = sf::http::parse_url(base_text)) {
    sf::fuzz::check(u->scheme == "http" || u->scheme == "https", "a parsed URL with another scheme");
    sf::fuzz::check(!u->port.empty() && !u->target.empty() && u->target.front() == '/',
                    "a parsed URL without port or target");
    // What to_string() gives must parse back to the same URL (the forwarder logs and reuses it).
    auto again = sf::http::parse_url(u->to_string());
    sf::fuzz::check(again.has_value(), "to_string() of a parsed URL does not parse");
    sf::fuzz::check(again->same_origin(*u) && again->target == u->target, "to_string() does not round-trip");
    if (auto r = sf::http::resolve_reference(*u, ref)) {
      sf::fuzz::check(!r->target.empty() && r->target.front() == '/', "a resolved URL without a target");
      (void)r->same_origin(*u);
    }
    (void)sf::http::join_path(u->target, "/_bulk");
  }
  const auto q = ref.find('?');
  if (q != std::string_view::npos) (void)sf::http::query_parameter(ref, "offset");
  (void)sf::http::query_parameter(text, "count");
  const std::string enc = sf::http::percent_encode(text);
  for (char c : enc) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
    sf::fuzz::check(unreserved, "percent_encode left a reserved character");
  }
  return 0;
}
