// ILM policies: PUT/GET/DELETE _ilm/policy storage, validated as the timeseries lifecycle type validates.
#pragma once

#include "sim/elasticsearch/rest_error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfsim::es {

struct ilm_policy {
  std::string name;
  std::string policy;  // the "policy" object, compact JSON
  std::int64_t version = 1;
  std::string modified_date;  // RFC 3339, as GET shows it
};

class ilm_policies {
 public:
  // Body: {"policy":{"phases":{...},"_meta":{...}}}.
  std::optional<rest_error> put(std::string_view name, std::string_view body, std::string modified_date);
  std::optional<rest_error> remove(std::string_view name);
  std::vector<const ilm_policy*> find(std::string_view name_list) const;
  bool exists(std::string_view name) const { return policies_.count(name) != 0; }

 private:
  std::map<std::string, ilm_policy, std::less<>> policies_;
};

}  // namespace sfsim::es
