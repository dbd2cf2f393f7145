// Fuzz target: the Elasticsearch sink's parsers of _bulk responses, error bodies and the GET / answer.
#include "sinks/elasticsearch/bulk.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte is how many items the request had (as the sink knows it); the rest is the body.
  const std::size_t expected = data[0] % 8;
  const auto body = sf::fuzz::as_text(data + 1, size - 1);
  const auto r = sf::sinks::elasticsearch::parse_bulk_response(body, expected);
  if (r.ok()) {
    sf::fuzz::check(r.items.size() == expected, "an ok bulk response with another number of items");
    for (const auto& item : r.items) (void)sf::sinks::elasticsearch::classify_item(item.status);
  } else {
    sf::fuzz::check(r.items.empty(), "a failed bulk response with items");
  }
  (void)sf::sinks::elasticsearch::parse_request_error(body);
  if (auto v = sf::sinks::elasticsearch::parse_version_number(body)) (void)sf::sinks::elasticsearch::major_version(*v);
  return 0;
}
