#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// A non-owning, read-only view of contiguous bytes (C++17 has no std::span).
/// The viewer must keep the bytes alive and unchanged while the view is used.
class bytes_view {
public:
  constexpr bytes_view() noexcept = default;
  constexpr bytes_view(const std::uint8_t* data, std::size_t size) noexcept
    : data_(data), size_(size) {
  }
  bytes_view(const std::vector<std::uint8_t>& v) noexcept // NOLINT: implicit by design
    : data_(v.data()), size_(v.size()) {
  }

  /// The bytes of `s`, e.g. a key given as text.
  static bytes_view of(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
  }

  constexpr const std::uint8_t* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr const std::uint8_t* begin() const noexcept { return data_; }
  constexpr const std::uint8_t* end() const noexcept { return data_ + size_; }

  /// The `n` bytes from `pos`, clamped to the end of this view.
  constexpr bytes_view subspan(std::size_t pos, std::size_t n = SIZE_MAX) const noexcept {
    if (pos > size_)
      pos = size_;
    if (n > size_ - pos)
      n = size_ - pos;
    return {data_ + pos, n};
  }

  std::string_view as_string_view() const noexcept {
    return {reinterpret_cast<const char*>(data_), size_};
  }
  std::vector<std::uint8_t> to_vector() const { return {begin(), end()}; }

  /// Byte-wise equality of contents, not identity.
  friend bool operator==(bytes_view a, bytes_view b) noexcept {
    return a.size_ == b.size_ && (a.size_ == 0 || std::memcmp(a.data_, b.data_, a.size_) == 0);
  }
  friend bool operator!=(bytes_view a, bytes_view b) noexcept { return !(a == b); }

private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

/// A non-owning view of contiguous bytes that may be written, for in-place
/// rewrites such as set_base_offset().
class mutable_bytes_view {
public:
  constexpr mutable_bytes_view() noexcept = default;
  constexpr mutable_bytes_view(std::uint8_t* data, std::size_t size) noexcept
    : data_(data), size_(size) {
  }
  mutable_bytes_view(std::vector<std::uint8_t>& v) noexcept // NOLINT: implicit by design
    : data_(v.data()), size_(v.size()) {
  }

  constexpr std::uint8_t* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr operator bytes_view() const noexcept { return {data_, size_}; } // NOLINT

private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

} // namespace rivulet::io::kafka
