// The vocabulary of the key table: what a configuration key is (name, kind, bounds, help, field binding).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "config/config.hpp"

namespace sf::config::schema {

// How a key's value is written in the file, read, checked and shown.
enum class kind {
  string,          // a plain string
  url,             // an http(s) URL, normalized (no trailing slash)
  url_list,        // a list of URLs
  cloud_id,        // an Elastic Cloud id, turned into a URL
  integer,         // bounded by lo..hi
  boolean,         // true or false
  duration,        // a number and a unit; lo..hi in milliseconds
  size,            // bytes or a number and a unit; lo..hi in bytes
  choice,          // one of `choices`
  secret,          // inline (`name`) or from a file (`name_file`); never shown
  start_position,  // oldest, newest or an RFC 3339 time
  program,         // a list [program, arguments...], the program runnable now
  section,         // a map of keys: `section`
  sink_list,       // the list of sinks, each a map whose `type` picks its keys
};

enum class presence {
  optional,   // absent or empty: the default
  required,   // must be given and, for strings, not empty
  non_empty,  // may be left out, but if given must not be empty
};

// Every value a key can hold, whatever the C++ type of its field: integers, sizes and choices as long long.
using value =
    std::variant<std::string, long long, bool, duration, secret, std::vector<std::string>, start_position>;

struct choice {
  std::string_view name;
  long long value;
};

// How a key reaches its field in the section's struct (`void*` is that struct; see bind<>).
struct field {
  value (*get)(const void* section) = nullptr;  // nullptr: an input only, never shown (url, cloud_id)
  void (*set)(void* section, value&& v) = nullptr;
};

struct section_spec;
struct sink_variant;

struct key_spec {
  std::string_view name{};
  kind type = kind::string;
  presence need = presence::optional;
  long long lo = 0, hi = 0;  // integer, duration (ms) and size (bytes) bounds
  std::vector<choice> choices{};
  std::string_view help{};          // the README's meaning column
  std::string_view shape{};         // the README's type column when the kind says too little ("path")
  std::string_view default_note{};  // what the default means when its value says too little ("system store")
  field bound{};
  // A further rule on a value that passed its kind and bounds; "" when it holds, else the message reported
  // at the key. `section` is the struct as loaded so far (the keys above this one are set).
  std::string (*check)(const void* section, const value& v) = nullptr;
  // Whether the effective configuration shows the key (default: always; secrets only when set).
  bool (*shown)(const void* section) = nullptr;
  // kind::section: its keys, and where its struct is inside the parent's. kind::sink_list: the keys every
  // sink has, where the vector of sinks is, and the types of sink.
  // kind::url and kind::url_list: plain http:// to a host that is not loopback is left to a rule of the
  // section (an opt-in key decides) instead of being refused with the value.
  bool plain_http_by_rule = false;
  const section_spec* sub = nullptr;
  void* (*locate)(void* parent) = nullptr;
  const std::vector<sink_variant>* sinks = nullptr;
};

// Keys of which exactly one must be given (url, urls or cloud_id); only that one is read.
struct one_of {
  std::vector<std::string_view> keys;
};

struct rule_context;
// A check across keys, run after the key named `after` ("" = after the whole section): where the file's
// walk reaches it, so that errors on one line (a flow map) keep their order.
struct rule {
  std::string_view after;
  void (*run)(rule_context& context);
};

// A map of keys. Its keys are read, shown and documented in this order.
struct section_spec {
  std::string_view what{};  // how unknown-key messages name it: "source", "a file sink"
  std::vector<key_spec> keys{};
  std::vector<one_of> groups{};
  std::vector<rule> rules{};
};

// One type of sink, in the order of sink_config::settings and of the `type` key's choices: its own keys,
// and its settings inside a sink_config (nullptr when the sink is of another type).
struct sink_variant {
  const section_spec* spec;
  void* (*settings)(sink_config& sink);
};

inline const key_spec* find_key(const section_spec& spec, std::string_view name) {
  for (const auto& k : spec.keys)
    if (k.name == name) return &k;
  return nullptr;
}

template <class T>
void* settings_of(sink_config& sink) {
  return std::get_if<T>(&sink.settings);
}

// ---- binding a key to a struct member ----

template <class M>
struct member_of;
template <class C, class F>
struct member_of<F C::*> {
  using owner = C;
  using type = F;
};

template <class F>
value to_value(const F& f) {
  if constexpr (std::is_same_v<F, bool>) {
    return f;
  } else if constexpr (std::is_enum_v<F> || std::is_integral_v<F>) {
    return static_cast<long long>(f);
  } else {
    return f;
  }
}

template <class F>
F from_value(value&& v) {
  if constexpr (std::is_same_v<F, bool>) {
    return std::get<bool>(v);
  } else if constexpr (std::is_enum_v<F> || std::is_integral_v<F>) {
    return static_cast<F>(std::get<long long>(v));
  } else {
    return std::get<F>(std::move(v));
  }
}

// The field binding of a data member: bind<&source_config::page_size>().
template <auto member>
constexpr field bind() {
  using m = member_of<decltype(member)>;
  return {[](const void* s) { return to_value(static_cast<const typename m::owner*>(s)->*member); },
          [](void* s, value&& v) {
            static_cast<typename m::owner*>(s)->*member = from_value<typename m::type>(std::move(v));
          }};
}

// A sub-struct holding a section: locate<&forwarder_config::source>.
template <auto member>
void* locate(void* parent) {
  using m = member_of<decltype(member)>;
  return &(static_cast<typename m::owner*>(parent)->*member);
}

}  // namespace sf::config::schema
