// Fuzz target: HTTP-date parsing (time::parse_http_date, the one parser for Retry-After and Date).
#include "common/time/http_date.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = sf::fuzz::as_text(data, size);
  const auto now = time::parse_http_date(text, 1'700'000'000);
  const auto again = time::parse_http_date(text, 1'700'000'000);
  sf::fuzz::check(now == again, "the HTTP-date parser is not deterministic");
  if (now) {
    // Four-digit years at most: 0000-01-01 .. 9999-12-31 (RFC 850's two-digit years land inside that).
    sf::fuzz::check(*now >= -62'167'219'200 && *now <= 253'402'300'799, "an HTTP date outside years 0..9999");
  }
  return 0;
}
