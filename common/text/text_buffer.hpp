// A growable byte buffer written through inline appends: the arena documents are rendered into.
#pragma once

#include "common/text/large_blocks.hpp"

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace sf::text {

// The subset of std::string a writer of text needs (append, push_back, resize down), with every append
// inline: std::string's members are compiled into libstdc++ (an extern template), so each small append there
// is a call with its own length checks, and a literal's length is found by strlen at run time. Here a literal
// becomes a fixed-size copy and the common path is one comparison. Growth allocates anew and copies only the
// bytes in use, never zero-filling what it adds. (realloc would copy the whole old capacity of a cleared
// buffer, and with it the forwarder's peak RSS measured 1-5 MiB higher over a catch-up.) A buffer of 1 MiB
// or more takes its memory from large_blocks (mapped apart from the heap, kept for the next page).
class text_buffer {
 public:
  text_buffer() = default;
  text_buffer(const text_buffer&) = delete;
  text_buffer& operator=(const text_buffer&) = delete;
  text_buffer(text_buffer&& o) noexcept : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
  }
  text_buffer& operator=(text_buffer&& o) noexcept {
    if (this != &o) {
      release(data_, capacity_);
      data_ = o.data_;
      size_ = o.size_;
      capacity_ = o.capacity_;
      o.data_ = nullptr;
      o.size_ = o.capacity_ = 0;
    }
    return *this;
  }
  ~text_buffer() { release(data_, capacity_); }

  const char* data() const { return data_; }
  char* data() { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return capacity_; }
  char& operator[](std::size_t i) { return data_[i]; }
  char operator[](std::size_t i) const { return data_[i]; }
  operator std::string_view() const { return {data_, size_}; }
  std::string_view view() const { return {data_, size_}; }

  text_buffer& append(std::string_view s) { return append(s.data(), s.size()); }
  text_buffer& append(const char* p, std::size_t n) {
    if (capacity_ - size_ < n) grow(n);
    char* d = data_ + size_;
    size_ += n;
    // Most appends of variable length are names and ids of a few dozen bytes: two overlapping copies of a
    // fixed size, inline, instead of a call to memcpy (render_page 501 -> 466 us per page; copies of 33-64
    // bytes done the same way measured slower).
    if (n >= 16 && n <= 32) {
      std::memcpy(d, p, 16);
      std::memcpy(d + n - 16, p + n - 16, 16);
    } else if (n >= 8 && n < 16) {
      std::memcpy(d, p, 8);
      std::memcpy(d + n - 8, p + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(d, p, 4);
      std::memcpy(d + n - 4, p + n - 4, 4);
    } else if (n != 0) {
      std::memcpy(d, p, n);
    }
    return *this;
  }
  void push_back(char c) {
    if (size_ == capacity_) grow(1);
    data_[size_++] = c;
  }
  // Makes the buffer `n` bytes long; bytes it adds are left unwritten, for the caller to fill.
  void resize(std::size_t n) {
    if (n > capacity_) grow(n - size_);
    size_ = n;
  }
  void reserve(std::size_t n) {
    if (n > capacity_) reallocate(n);
  }
  void clear() { size_ = 0; }

 private:
  // Room for `more` bytes past size_: at least double, so a chain of appends costs amortised O(1).
  [[gnu::noinline]] void grow(std::size_t more) {
    std::size_t want = capacity_ * 2;
    if (want < size_ + more) want = size_ + more;
    if (want < 64) want = 64;
    reallocate(want);
  }
  void reallocate(std::size_t n) {
    char* p = nullptr;
    if (n >= large_blocks::threshold) {
      p = large_blocks::take(n);  // n becomes the block's size
    } else {
      p = static_cast<char*>(std::malloc(n));
      if (p == nullptr) throw std::bad_alloc();
    }
    if (size_ != 0) std::memcpy(p, data_, size_);
    release(data_, capacity_);
    data_ = p;
    capacity_ = n;
  }
  // Blocks of large_blocks' size came from it (malloc'd ones are always smaller).
  static void release(char* data, std::size_t capacity) {
    if (capacity >= large_blocks::threshold)
      large_blocks::give_back(data, capacity);
    else
      std::free(data);
  }

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace sf::text
