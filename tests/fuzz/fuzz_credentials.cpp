// Fuzz target: parsing credentials.json; whatever parses serializes and parses back to the same keys.
#include "daemon/keys/credentials_store.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string why;
  const auto c = sf::keys::parse_credentials(sf::fuzz::as_text(data, size), why);
  if (!c) {
    sf::fuzz::check(!why.empty(), "a refused credentials file without a reason");
    return 0;
  }
  const std::string text = sf::keys::serialize_credentials(*c);
  std::string why_again;
  const auto again = sf::keys::parse_credentials(text, why_again);
  sf::fuzz::check(again.has_value(), "serialize_credentials output does not parse");
  sf::fuzz::check(sf::keys::serialize_credentials(*again) == text, "serialize/parse does not round-trip");
  return 0;
}
