// The idle-RSS floor of the forwarder's shared libraries: a program that links the same Debian libraries,
// calls one function of each (as start-up does: OpenSSL's context, a YAML document, a JSON parse, a
// formatted string, the compressors) and then reports its RSS. Nothing of the forwarder runs, so its RSS is
// what mapping and initialising these libraries costs on this machine; run_bench.py shows it beside the
// idle forwarder's.
#include <fmt/format.h>
#include <isa-l/igzip_lib.h>
#include <openssl/ssl.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>
#include <zstd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include <unistd.h>

int main() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  const YAML::Node yaml = YAML::Load("a: 1");
  simdjson::dom::parser parser;
  const auto json = parser.parse(simdjson::padded_string(std::string(R"({"a":1})")));
  const std::string text = fmt::format("{}", yaml["a"].as<int>());
  static isal_zstream deflate;
  isal_deflate_init(&deflate);
  // Printed, so that no call is optimised away: every library stays linked and initialised.
  std::printf("touched: %s %zu %s %.3f %d %d\n", text.c_str(), ZSTD_compressBound(10), zlibVersion(),
              std::sqrt(2.0), static_cast<int>(json.error()), ctx != nullptr && deflate.total_in == 0);
  std::fflush(stdout);
  sleep(1);  // past start-up, as the idle forwarder is
  // The same lines run_bench.py reads from the forwarder's /proc/<pid>/status.
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 1;
  char line[256];
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, "VmRSS:", 6) == 0 || std::strncmp(line, "RssAnon:", 8) == 0 ||
        std::strncmp(line, "RssFile:", 8) == 0)
      std::fputs(line, stdout);
  std::fclose(f);
  SSL_CTX_free(ctx);
  return 0;
}
