// Text made of pieces, sent or read in order without joining them: views of memory the owner of the text
// keeps alive, and short text copied into storage of its own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sf::text {

class text_pieces {
 public:
  // The whole text is `s` (owned): a request body given as one string.
  text_pieces& operator=(std::string s) {
    storage_ = std::move(s);
    parts_.clear();
    size_ = 0;
    const std::size_t n = storage_.size();
    if (n > 0) {
      parts_.push_back({nullptr, 0, n});
      size_ = n;
    }
    return *this;
  }
  // Appends a view of `s`, which must outlive this object and every use of its pieces.
  void append_view(std::string_view s) {
    if (s.empty()) return;
    parts_.push_back({s.data(), 0, s.size()});
    size_ += s.size();
  }
  // Appends a copy of `s`. Copies in a row become one piece.
  void append_copy(std::string_view s) {
    const std::size_t start = storage_.size();
    storage_.append(s);
    own_from(start);
  }
  // Appends a copy of what `write(std::string&)` appends to the storage (e.g. an escaper writing in place).
  template <class Write>
  void append_copy_with(Write&& write) {
    const std::size_t start = storage_.size();
    write(storage_);
    own_from(start);
  }
  // Room for `pieces` more pieces and `bytes` more copied bytes, to append without regrowing.
  void reserve(std::size_t pieces, std::size_t bytes) {
    parts_.reserve(parts_.size() + pieces);
    storage_.reserve(storage_.size() + bytes);
  }

  std::size_t size() const { return size_; }  // bytes in all
  std::size_t piece_count() const { return parts_.size(); }
  // Piece i. A copied piece points into the storage, so it is valid until the next append.
  std::string_view piece(std::size_t i) const {
    const part& p = parts_[i];
    return p.data ? std::string_view(p.data, p.size) : std::string_view(storage_.data() + p.offset, p.size);
  }
  std::string joined() const {
    std::string out;
    out.reserve(size_);
    for (std::size_t i = 0; i < parts_.size(); ++i) out.append(piece(i));
    return out;
  }

 private:
  // A view (data set) or a range of the storage (data null): offsets stay right when the storage grows.
  struct part {
    const char* data;
    std::size_t offset;
    std::size_t size;
  };

  void own_from(std::size_t start) {
    const std::size_t n = storage_.size() - start;
    if (n == 0) return;
    size_ += n;
    if (!parts_.empty() && parts_.back().data == nullptr && parts_.back().offset + parts_.back().size == start)
      parts_.back().size += n;
    else
      parts_.push_back({nullptr, start, n});
  }

  std::string storage_;
  std::vector<part> parts_;
  std::size_t size_ = 0;
};

}  // namespace sf::text
