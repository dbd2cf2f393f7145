// Fuzz target: es-sim's _bulk body parser and its Content-Encoding decoder, on a buffer with no padding
// beyond the body (the parser must copy lines near the end rather than read past it).
#include "sim/elasticsearch/body_decoder.hpp"
#include "sim/elasticsearch/bulk_request.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the Content-Encoding and the URL's default index; the rest is the body.
  static constexpr std::string_view encodings[] = {"", "gzip", "deflate", "identity"};
  const auto encoding = encodings[data[0] & 3];
  const std::string_view index = (data[0] & 4) ? "scaleft-audit" : "";
  const auto raw = sf::fuzz::as_text(data + 1, size - 1);

  std::string decoded;
  const auto st = sfsim::es::decode_body(encoding, raw, 1u << 20, decoded);
  if (st == sfsim::es::decode_status::too_large) {
    sf::fuzz::check(decoded.size() <= (1u << 20), "decode_body went past its limit");
    return 0;
  }
  if (st != sfsim::es::decode_status::ok) return 0;

  // Exactly the body's bytes on the heap: ASan reports any read past the end.
  const std::size_t n = decoded.size();
  std::unique_ptr<char[]> exact(new char[n ? n : 1]);
  std::copy(decoded.begin(), decoded.end(), exact.get());
  static simdjson::dom::parser parser;
  sfsim::es::bulk_defaults defaults;
  defaults.index = index;
  const auto parsed = sfsim::es::parse_bulk(simdjson::padded_string_view(exact.get(), n, n), defaults, parser);
  if (const auto* actions = std::get_if<std::vector<sfsim::es::bulk_action>>(&parsed)) {
    for (const auto& a : *actions) {
      sf::fuzz::check(a.line >= 1, "an action without its line number");
      if (!a.source.empty()) {
        sf::fuzz::check(a.source.data() >= exact.get() && a.source.data() + a.source.size() <= exact.get() + n,
                        "an action's source outside the body");
      }
    }
  }
  return 0;
}
