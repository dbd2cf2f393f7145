// Fuzz target: RFC 3339 parsing; whatever parses formats back and parses to the same instant.
#include "common/time/rfc3339.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto ns = sf::time::parse_rfc3339_ns(sf::fuzz::as_text(data, size));
  if (!ns) return 0;
  const std::string text = sf::time::format_rfc3339_ns(*ns);
  const auto again = sf::time::parse_rfc3339_ns(text);
  sf::fuzz::check(again.has_value(), "format_rfc3339_ns output does not parse");
  sf::fuzz::check(*again == *ns, "format/parse does not round-trip");
  return 0;
}
