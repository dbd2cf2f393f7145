// A scripted ScaleFT API on 127.0.0.1:0, in process: answers token, audit and key calls from queued
// responses, and records every request it was sent.
#pragma once

#include "sim/common/http_server.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sf::test {

// The calls the forwarder makes, told apart by method and path (pure, for the fake's routing).
enum class scaleft_call { token, audits, list_keys, create_key, delete_key, other };
scaleft_call classify_scaleft_call(std::string_view method, std::string_view target);

struct scripted_response {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  sfsim::delivery how = sfsim::delivery::normal;  // a transport fault instead of a clean answer
  std::chrono::milliseconds delay{0};
};

struct recorded_request {
  scaleft_call call = scaleft_call::other;
  std::string method;
  std::string target;
  std::string authorization;  // the Authorization header as sent ("" when none)
  std::string body;
};

struct scripted_event {
  std::string id;
  std::string timestamp;  // RFC 3339
  std::string type = "auth_token.issue";
};

struct scripted_key {
  std::string id;
  std::string issued_at;                            // RFC 3339
  std::string expires_at = "0001-01-01T00:00:00Z";  // the API's "no expiry"
};

class scripted_scaleft {
 public:
  explicit scripted_scaleft(boost::asio::io_context& io, std::string team = "acme");
  ~scripted_scaleft();
  scripted_scaleft(const scripted_scaleft&) = delete;
  scripted_scaleft& operator=(const scripted_scaleft&) = delete;

  std::string url() const;  // "http://127.0.0.1:<port>", the source.url to configure
  const std::string& team() const { return team_; }
  std::string team_path(std::string_view suffix) const;  // "/v1/teams/<team><suffix>"

  // Queues the answer to the next `call` (answered first in, first out). A call with nothing queued gets
  // the default: a fresh token ("token-<n>", valid one hour) for token, an empty page for audits, and a 500
  // unknown_error naming the unscripted call for the rest, so a test never passes on an answer it did not
  // write.
  scripted_scaleft& then(scaleft_call call, scripted_response r);
  std::size_t queued(scaleft_call call) const;

  const std::vector<recorded_request>& requests() const { return requests_; }
  std::vector<recorded_request> requests(scaleft_call call) const;
  std::size_t count(scaleft_call call) const;

  // Answers, as the service writes them (spec: /work/shared/spec/scaleft-api.md).
  static scripted_response token(std::string bearer, std::chrono::seconds lifetime = std::chrono::hours(1));
  // An auditsV2 page; `next` (a target or URL) becomes its Link rel="next".
  static scripted_response page(const std::vector<scripted_event>& events,
                                std::optional<std::string> next = std::nullopt);
  static scripted_response error(unsigned status, std::string_view code, std::string_view message);
  static scripted_response key_list(const std::vector<scripted_key>& keys);
  static scripted_response created_key(const scripted_key& key, std::string_view secret);
  static scripted_response no_content();  // 204, e.g. a deleted key
  // Events "evt-<first>" .. "evt-<first + count - 1>", one second apart from 2026-11-01T00:00:00Z.
  static std::vector<scripted_event> events(int first, int count);

 private:
  sfsim::reply answer(sfsim::request& req);

  std::string team_;
  std::map<scaleft_call, std::deque<scripted_response>> script_;
  std::vector<recorded_request> requests_;
  std::size_t tokens_ = 0;
  std::unique_ptr<sfsim::http_server> server_;
};

}  // namespace sf::test
