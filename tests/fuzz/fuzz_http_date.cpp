// Fuzz target: HTTP-date parsing. Today two functions parse it, sf::retry::parse_http_date (Retry-After)
// and sf::keys::parse_http_date (Date): both are fuzzed, and where both accept a date they must agree.
#include "daemon/keys/key_api.hpp"
#include "daemon/retry/rate_limit.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <chrono>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = sf::fuzz::as_text(data, size);
  const auto retry_secs = sf::retry::parse_http_date(text);
  const auto keys_time = sf::keys::parse_http_date(text);
  if (retry_secs && keys_time) {
    const auto keys_secs =
        std::chrono::duration_cast<std::chrono::seconds>(keys_time->time_since_epoch()).count();
    sf::fuzz::check(keys_secs == *retry_secs, "the two HTTP-date parsers disagree");
  }
  return 0;
}
