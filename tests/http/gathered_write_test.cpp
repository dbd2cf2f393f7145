// Unit tests of gathered_write's pure parts: the cursor over a header and pieces, and the serialized header.
#include "common/http/gathered_write.hpp"

#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <gtest/gtest.h>

#include <sys/uio.h>

#include <array>
#include <sstream>
#include <string>
#include <vector>

namespace sf::http {
namespace {

namespace bhttp = boost::beast::http;

std::string joined(std::span<const ::iovec> iov) {
  std::string out;
  for (const auto& v : iov) out.append(static_cast<const char*>(v.iov_base), v.iov_len);
  return out;
}

// Writes the whole cursor `step` bytes at a time through `width` buffers, as a socket taking that much would.
std::string drain(gather_cursor& c, std::size_t width, std::size_t step) {
  std::string out;
  std::vector<::iovec> iov(width);
  while (!c.done()) {
    const auto f = c.fill(iov);
    EXPECT_GT(f.buffers, 0u);
    const std::string all = joined(std::span(iov.data(), f.buffers));
    EXPECT_EQ(f.bytes, all.size());
    const std::string next = all.substr(0, step);
    out += next;
    c.consume(next.size());
  }
  return out;
}

text::text_pieces sample_pieces(const std::string& viewed) {
  text::text_pieces p;
  p.append_copy("{\"create\":{}}\n");
  p.append_view(viewed);
  p.append_copy("\n{\"create\":{}}\n");
  p.append_copy("x");  // joins the copy before it
  p.append_view(std::string_view(viewed).substr(2, 5));
  return p;
}

TEST(GatherCursor, EveryWidthAndStepYieldsTheHeadThenThePiecesInOrder) {
  const std::string head = "POST /_bulk HTTP/1.1\r\n\r\n";
  const std::string viewed = "{\"a\":1,\"b\":\"two\"}";
  const auto body = sample_pieces(viewed);
  const std::string expected = head + body.joined();
  for (std::size_t width : {1u, 2u, 3u, 64u})
    for (std::size_t step : {1u, 5u, 13u, 1000u}) {
      gather_cursor c(head, body);
      EXPECT_EQ(drain(c, width, step), expected) << "width " << width << ", step " << step;
    }
}

TEST(GatherCursor, FillStartsInsideAPartlyWrittenPieceAndStopsAtTheWidth) {
  const std::string head = "HEAD";
  const std::string viewed = "0123456789";
  text::text_pieces body;
  body.append_view(viewed);
  body.append_copy("ab");
  gather_cursor c(head, body);
  c.consume(6);  // the head and 2 bytes of the view
  std::array<::iovec, 1> one{};
  ASSERT_EQ(c.fill(one).buffers, 1u);
  EXPECT_EQ(joined(one), "23456789");
  EXPECT_EQ(static_cast<const char*>(one[0].iov_base), viewed.data() + 2);  // the caller's memory, not a copy
  std::array<::iovec, 4> four{};
  const auto f = c.fill(four);
  ASSERT_EQ(f.buffers, 2u);
  EXPECT_EQ(f.bytes, 10u);
  EXPECT_EQ(joined(std::span(four.data(), 2)), "23456789ab");
  c.consume(100);  // more than is left: everything is written
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.fill(four).buffers, 0u);
  EXPECT_EQ(c.fill(four).bytes, 0u);
}

TEST(GatherCursor, AnEmptyBodyIsTheHeadAlone) {
  const std::string head = "GET / HTTP/1.1\r\n\r\n";
  const text::text_pieces body;
  gather_cursor c(head, body);
  EXPECT_EQ(drain(c, 8, 7), head);
}

TEST(SerializedHeader, IsWhatBeastWritesBeforeTheBody) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/_bulk?refresh=false", 11};
  req.set(bhttp::field::host, "127.0.0.1:9200");
  req.set(bhttp::field::content_type, "application/x-ndjson");
  req.set("X-Elastic-Product-Origin", "scaleft-forwarder");
  req.body() = "{\"create\":{}}\n{}\n";
  req.prepare_payload();
  std::ostringstream whole;
  whole << req;
  const std::string head = serialized_header(req.base());
  EXPECT_EQ(whole.str(), head + req.body());
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: 17\r\n"), std::string::npos) << head;
}

}  // namespace
}  // namespace sf::http
