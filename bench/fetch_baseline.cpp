// The fetch-only baseline: walks auditsV2 oldest-first with the forwarder's HTTP stack and discards each
// page.
//
// It is the ceiling the source allows: the same client, token handling and Link following as the forwarder,
// but no rendering, no sinks and no checkpoint. To stay honest it receives every byte of every page, reads
// each body once (a checksum the compiler cannot drop) and stops only on an empty list, as the forwarder
// does.
#include "common/http/client.hpp"
#include "common/http/link_header.hpp"
#include "common/http/url.hpp"
#include "daemon/source/scaleft_api.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

struct walk_totals {
  std::uint64_t pages = 0;  // non-empty pages
  std::uint64_t bytes = 0;  // body bytes received
  std::uint64_t checksum = 0;
  std::string error;
};

// True when the body's list is empty. Only the envelope's first key is looked at (the simulator and the
// real service both write `{"list":[...`), so this costs nothing next to receiving the page.
bool list_is_empty(std::string_view body) {
  auto at = body.find("\"list\"");
  if (at == std::string_view::npos) return false;
  at = body.find('[', at);
  if (at == std::string_view::npos) return false;
  for (std::size_t i = at + 1; i < body.size(); ++i) {
    const char c = body[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == ']';
  }
  return false;
}

// One pass over the body (a checksum that is printed, so the compiler keeps it): the baseline reads every
// byte it fetched, as any client that uses a page must.
void read_body(std::string_view body, walk_totals& t) {
  std::uint64_t sum = 0;
  for (unsigned char c : body) sum = sum * 31 + c;
  t.checksum ^= sum;
}

asio::awaitable<void> walk(sf::source::scaleft_api& api, std::string first_target, walk_totals& t) {
  std::string target = std::move(first_target);
  for (;;) {
    auto r = co_await api.get(target);
    if (!r.ok()) {
      t.error = r.exchange.ok() ? "HTTP status " + std::to_string(r.status()) : r.exchange.error;
      co_return;
    }
    const std::string& body = r.exchange.res.body();
    t.bytes += body.size();
    read_body(body, t);
    if (list_is_empty(body)) co_return;
    ++t.pages;
    std::optional<std::string> next;
    auto link = r.exchange.res.find(bhttp::field::link);
    if (link != r.exchange.res.end()) {
      if (auto ref = sf::http::find_link(std::string_view(link->value()), "next")) {
        sf::http::url base = api.client_origin();
        base.target = target;
        if (auto resolved = sf::http::resolve_reference(base, *ref)) next = resolved->target;
      }
    }
    if (!next) {
      t.error = "a page without Link rel=next";
      co_return;
    }
    target = std::move(*next);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: fetch_baseline URL TEAM KEY_ID KEY_SECRET_FILE PAGE_SIZE\n"
                 "walks every auditsV2 page oldest-first and prints one JSON line of totals\n";
    return 2;
  }
  auto origin = sf::http::parse_url(argv[1]);
  if (!origin) {
    std::cerr << "fetch_baseline: not an http(s) URL: " << argv[1] << "\n";
    return 2;
  }
  const std::string team = argv[2];
  const std::size_t page_size = std::stoul(argv[5]);
  asio::io_context io(1);
  sf::http::client_options opts;
  opts.timeout = std::chrono::seconds(30);
  opts.max_response_bytes = 64ull * 1024 * 1024;  // as the forwarder's source client
  sf::http::client client(io.get_executor(), *origin, opts);
  // The secret comes from a file, never argv.
  sf::source::scaleft_api api(client, team, sf::source::api_key{argv[3], read_file(argv[4])});
  walk_totals t;
  std::string first = api.team_path("/auditsV2") + "?count=" + std::to_string(page_size);
  const auto started = std::chrono::steady_clock::now();
  bool done = false;
  asio::co_spawn(io, walk(api, first, t), [&](std::exception_ptr ep) {
    done = true;
    if (ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        t.error = e.what();
      }
    }
  });
  io.run();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!done || !t.error.empty()) {
    std::cerr << "fetch_baseline: " << (t.error.empty() ? "did not finish" : t.error) << "\n";
    return 1;
  }
  std::printf("{\"pages\":%llu,\"bytes\":%llu,\"wall_s\":%.6f,\"checksum\":%llu}\n",
              static_cast<unsigned long long>(t.pages), static_cast<unsigned long long>(t.bytes), secs,
              static_cast<unsigned long long>(t.checksum));
  return 0;
}
