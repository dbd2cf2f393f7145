// `*` wildcard patterns as Elasticsearch uses them (index patterns, filter_path keys): match and overlap.
#pragma once

#include <string_view>
#include <vector>

namespace sfsim::es {

// True when `text` matches `pattern`, where `*` stands for any run of characters (also empty).
inline bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// True when some name matches both patterns: what makes two index templates conflict.
inline bool glob_overlap(std::string_view a, std::string_view b) {
  // reach[i][j]: a[i:] and b[j:] can still match a common suffix. Filled backwards, O(|a|*|b|).
  const std::size_t n = a.size(), m = b.size();
  std::vector<char> reach((n + 1) * (m + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> char& { return reach[i * (m + 1) + j]; };
  for (std::size_t i = n + 1; i-- > 0;) {
    for (std::size_t j = m + 1; j-- > 0;) {
      bool ok;
      if (i == n && j == m)
        ok = true;
      else if (i < n && a[i] == '*')
        ok = at(i + 1, j) || (j < m && at(i, j + 1));
      else if (j < m && b[j] == '*')
        ok = at(i, j + 1) || (i < n && at(i + 1, j));
      else
        ok = i < n && j < m && a[i] == b[j] && at(i + 1, j + 1);
      at(i, j) = ok;
    }
  }
  return at(0, 0);
}

}  // namespace sfsim::es
