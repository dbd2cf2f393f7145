// Fuzz target: the Link header parser, for rel="next" and another relation.
#include "common/http/link_header.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = sf::fuzz::as_text(data, size);
  for (std::string_view rel : {"next", "prev"}) {
    if (auto target = sf::http::find_link(text, rel)) {
      sf::fuzz::check(target->size() <= text.size(), "a link target longer than the header");
    }
  }
  return 0;
}
