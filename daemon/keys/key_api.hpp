// The service-user key calls (list, create, delete) and the parsing of their answers and of Date headers.
#pragma once

#include "daemon/keys/rotation_policy.hpp"
#include "daemon/source/scaleft_api.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::keys {

struct listed_key {
  std::string id;
  std::optional<sys_time> issued_at;
  std::optional<sys_time> expires_at;  // nullopt: "0001-01-01T00:00:00Z", no expiry
};

// `{"list":[key...]}`; nullopt with `why` when the body is not that.
std::optional<std::vector<listed_key>> parse_key_list(std::string_view body, std::string& why);
// A create answer: the key with its secret (shown this once).
std::optional<key_record> parse_created_key(std::string_view body, std::string& why);
// RFC 3339, with "0001-01-01T00:00:00Z" (the API's "no expiry") as nullopt; `ok` false when malformed.
std::optional<sys_time> parse_key_time(std::string_view text, bool& ok);

// How a key call ended, as the rotation needs to tell it apart.
enum class call_outcome { ok, refused, not_found, unauthorized, failed };
const char* to_string(call_outcome o);
call_outcome classify(const source::api_result& r);

struct call_result {
  call_outcome outcome = call_outcome::failed;
  std::string message;                  // for the log: status and a shortened body, or the transport error
  std::optional<sys_time> server_date;  // the response's Date header
};

struct list_result : call_result {
  std::vector<listed_key> keys;
};

struct create_result : call_result {
  key_record key;
};

// The calls, over `api` (which authenticates with whatever key it currently holds).
class key_api {
 public:
  key_api(source::scaleft_api& api, std::string service_user);
  boost::asio::awaitable<list_result> list();
  boost::asio::awaitable<create_result> create();
  boost::asio::awaitable<call_result> remove(const std::string& key_id);
  // An authenticated read (one audit event) that proves a key's token works.
  boost::asio::awaitable<call_result> probe();

 private:
  std::string keys_path() const;
  source::scaleft_api& api_;
  std::string user_;
};

}  // namespace sf::keys
