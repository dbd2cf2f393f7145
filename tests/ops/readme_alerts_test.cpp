// The README's alert expressions name only metrics /metrics serves (a renamed metric breaks this test).
#include "daemon/ops/process_metrics.hpp"
#include "daemon/ops/telemetry.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace sf::ops {
namespace {

std::string readme_alerts_block() {
  std::ifstream f(SF_README);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  const auto section = text.find("## Metrics and alerts");
  if (section == std::string::npos) return {};
  const auto start = text.find("```yaml", section);
  const auto end = text.find("```", start + 7);
  if (start == std::string::npos || end == std::string::npos) return {};
  return text.substr(start, end - start);
}

// Every series known: a sink, a key with both times, a checkpoint, a rate limit, a process sample.
std::string everything() {
  const auto mono = std::chrono::steady_clock::now();
  const auto now = std::chrono::system_clock::now();
  telemetry t(mono);
  auto& sink = t.add_sink("es", "elasticsearch");
  sink.on_request("200");
  t.key_in_use("k", now, now);
  t.checkpoint_event_time = now;
  t.rate_limit_remaining = 1;
  t.count_request("auditsV2", 200);
  return render_prometheus(t, now, mono) + render_process_metrics(process_sample{0, 0, 0, 1.0, 1u, 1u});
}

TEST(ReadmeAlerts, EveryMetricAnAlertReadsIsServed) {
  const std::string block = readme_alerts_block();
  ASSERT_FALSE(block.empty()) << "no ```yaml alerts block in the README's Metrics and alerts section";
  const std::string served = everything();
  std::set<std::string> names;
  const std::regex name_re("\\b(scaleft_forwarder_[a-z_]+|process_[a-z_]+)\\b");
  for (std::sregex_iterator it(block.begin(), block.end(), name_re), end; it != end; ++it)
    names.insert((*it)[1]);
  EXPECT_GE(names.size(), 8u);
  for (const auto& n : names)
    EXPECT_NE(served.find("# TYPE " + n + " "), std::string::npos)
        << "the README's alerts read " << n << ", which /metrics does not serve";
}

}  // namespace
}  // namespace sf::ops
