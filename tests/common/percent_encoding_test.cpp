// The one percent-encoder and its two decoders (strict for scaleft-sim, lenient for the clients and es-sim).
#include "common/text/percent_encoding.hpp"

#include <gtest/gtest.h>

namespace {

using sf::text::percent_decode_lenient;
using sf::text::percent_decode_strict;
using sf::text::percent_encode;
using sf::text::plus_sign;

TEST(PercentEncoding, EncodesAllButUnreservedWithUpperCaseHex) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("UD5p+q/M=="), "UD5p%2Bq%2FM%3D%3D");
  EXPECT_EQ(percent_encode(std::string_view("\0\xff", 2)), "%00%FF");
}

TEST(PercentEncoding, DecodesWhatItEncodes) {
  const std::string all = [] {
    std::string s;
    for (int c = 0; c < 256; ++c) s += static_cast<char>(c);
    return s;
  }();
  EXPECT_EQ(percent_decode_strict(percent_encode(all), plus_sign::space), all);
  EXPECT_EQ(percent_decode_lenient(percent_encode(all), plus_sign::literal), all);
}

TEST(PercentEncoding, PlusIsASpaceOnlyInQueryMode) {
  EXPECT_EQ(percent_decode_strict("a+b%2B", plus_sign::space), "a b+");
  EXPECT_EQ(percent_decode_strict("a+b%2B", plus_sign::literal), "a+b+");
  EXPECT_EQ(percent_decode_lenient("a+b", plus_sign::space), "a b");
  EXPECT_EQ(percent_decode_lenient("a+b", plus_sign::literal), "a+b");
}

TEST(PercentEncoding, StrictRefusesABrokenEscapeLenientKeepsIt) {
  for (const char* broken : {"%", "%4", "a%zz", "%4g", "x%"}) {
    EXPECT_EQ(percent_decode_strict(broken, plus_sign::space), std::nullopt) << broken;
    EXPECT_EQ(percent_decode_lenient(broken, plus_sign::space), broken) << broken;
  }
  EXPECT_EQ(percent_decode_lenient("%zz%41", plus_sign::literal), "%zzA");
  EXPECT_EQ(percent_decode_strict("%41%6a%6A", plus_sign::literal), "Ajj");
}

}  // namespace
