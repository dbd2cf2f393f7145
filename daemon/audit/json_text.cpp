// JSON text helpers for the renderer: raw copies of input JSON that keep NDJSON framing.
#include "daemon/audit/json_text.hpp"

namespace sf::audit {

template <class Out>
void append_raw_json(Out& out, std::string_view raw) {
  if (!has_control_byte(raw)) {
    out.append(raw);
    return;
  }
  // Rare path: walk the text, tracking whether we are inside a string (and after a backslash).
  bool in_string = false;
  bool escaped = false;
  for (const char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (in_string) {
      if (escaped) {
        // A raw control byte after a backslash is invalid input; escaping it keeps the line valid.
        escaped = false;
        if (c < 0x20) {
          json::append_json_escape(out, c);
        } else {
          out.push_back(ch);
        }
      } else if (c == '\\') {
        escaped = true;
        out.push_back(ch);
      } else if (c == '"') {
        in_string = false;
        out.push_back(ch);
      } else if (c < 0x20) {
        json::append_json_escape(out, c);
      } else {
        out.push_back(ch);
      }
    } else if (c == '"') {
      in_string = true;
      out.push_back(ch);
    } else if (c > 0x20) {
      out.push_back(ch);
    }
  }
}

template void append_raw_json(std::string&, std::string_view);
template void append_raw_json(text::text_buffer&, std::string_view);

}  // namespace sf::audit
