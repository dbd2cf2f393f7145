// Fuzz target: HTTP-date parsing (sf::time::parse_http_date, the one parser for Retry-After and Date).
#include "common/time/http_date.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

constexpr const char* month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The text an accepted date must have been, in the form `text` has (the day name aside: a wrong one is
// tolerated, as RFC 9110 asks recipients to be robust). Written with std::chrono's calendar, apart from the
// parser, so that a parser accepting a near miss ("Sun,  30Nov 1994 08:49:37 GMT") breaks the invariant.
// `leap`: the text is the leap second 60 after the second before `unix_s` (RFC 9110 allows 23:59:60).
bool matches_canonical(std::string_view text, std::int64_t unix_s, bool leap) {
  if (leap) --unix_s;
  using namespace std::chrono;
  const sys_seconds t{seconds{unix_s}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  const int y = static_cast<int>(ymd.year()), d = static_cast<int>(static_cast<unsigned>(ymd.day()));
  const char* mon = month_names[static_cast<unsigned>(ymd.month()) - 1];
  const int hh = static_cast<int>(hms.hours().count()), mm = static_cast<int>(hms.minutes().count()),
            ss = static_cast<int>(hms.seconds().count()) + (leap ? 1 : 0);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  char buf[64];
  if (text.size() > 3 && text[3] == ',') {  // IMF-fixdate
    std::snprintf(buf, sizeof buf, ", %02d %s %04d %02d:%02d:%02d GMT", d, mon, y, hh, mm, ss);
    return text.substr(3) == buf;
  }
  if (text.size() > 3 && text[3] == ' ') {  // asctime: the day space-padded (or zero-padded, also accepted)
    std::snprintf(buf, sizeof buf, " %s %2d %02d:%02d:%02d %04d", mon, d, hh, mm, ss, y);
    if (text.substr(3) == buf) return true;
    std::snprintf(buf, sizeof buf, " %s %02d %02d:%02d:%02d %04d", mon, d, hh, mm, ss, y);
    return text.substr(3) == buf;
  }
  const auto comma = text.find(", ");  // RFC 850: two-digit year
  if (comma == std::string_view::npos) return false;
  std::snprintf(buf, sizeof buf, "%02d-%s-%02d %02d:%02d:%02d GMT", d, mon, y % 100, hh, mm, ss);
  return text.substr(comma + 2) == buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = sf::fuzz::as_text(data, size);
  const auto now = sf::time::parse_http_date(text, 1'700'000'000);
  const auto again = sf::time::parse_http_date(text, 1'700'000'000);
  sf::fuzz::check(now == again, "the HTTP-date parser is not deterministic");
  if (now) {
    // Four-digit years at most: 0000-01-01 .. 9999-12-31 23:59:60 (RFC 850's two-digit years land inside
    // that; the leap second at the very end is one past 9999's last second: corpus regress-leap-second-9999).
    sf::fuzz::check(*now >= -62'167'219'200 && *now <= 253'402'300'800, "an HTTP date outside years 0..9999");
    sf::fuzz::check(matches_canonical(text, *now, false) || matches_canonical(text, *now, true),
                    "an accepted HTTP date is not the canonical text of its value");
  }
  return 0;
}
