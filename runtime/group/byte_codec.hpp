#pragma once

// Big-endian writer and bounds-checked reader for the group folder's byte
// formats (Kafka's consumer protocol, rivulet's coordinator records).
// Internal to runtime/group; the io layer has its own Kafka codec.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/group/group_types.hpp"

namespace rivulet::group::detail {

/// Appends big-endian fields to a byte vector owned by the caller.
class byte_writer {
public:
  explicit byte_writer(bytes& out) : out_(out) {
  }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void i16(std::int16_t v) { put(static_cast<std::uint16_t>(v), 2); }
  void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v), 4); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v), 8); }
  /// int16 length, then the characters (Kafka STRING). Caller keeps it < 32 KiB.
  void str16(std::string_view s) {
    i16(static_cast<std::int16_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  /// int32 length (-1 = null), then the bytes (Kafka nullable BYTES).
  void nullable_bytes32(const std::optional<bytes>& b) {
    if (!b) {
      i32(-1);
      return;
    }
    i32(static_cast<std::int32_t>(b->size()));
    out_.insert(out_.end(), b->begin(), b->end());
  }
  /// int32 length (-1 = null), then the characters.
  void nullable_str32(const std::optional<std::string>& s) {
    if (!s) {
      i32(-1);
      return;
    }
    i32(static_cast<std::int32_t>(s->size()));
    out_.insert(out_.end(), s->begin(), s->end());
  }

private:
  void put(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  bytes& out_;
};

/// Reads big-endian fields from bytes the caller keeps alive. The first
/// failure sticks: later reads return zero values and `error()` names the
/// first field that did not fit.
class byte_reader {
public:
  byte_reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {
  }
  explicit byte_reader(const bytes& b) : byte_reader(b.data(), b.size()) {
  }

  bool failed() const noexcept { return !error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return size_ - pos_; }
  bool at_end() const noexcept { return pos_ == size_; }

  std::uint8_t u8(const char* field) { return static_cast<std::uint8_t>(get(1, field)); }
  std::int16_t i16(const char* field) { return static_cast<std::int16_t>(get(2, field)); }
  std::int32_t i32(const char* field) { return static_cast<std::int32_t>(get(4, field)); }
  std::int64_t i64(const char* field) { return static_cast<std::int64_t>(get(8, field)); }

  std::string str16(const char* field) {
    std::int16_t n = i16(field);
    if (n < 0)
      return fail(field, "negative string length"), std::string{};
    return take_string(static_cast<std::size_t>(n), field);
  }
  std::optional<bytes> nullable_bytes32(const char* field) {
    std::int32_t n = i32(field);
    if (failed() || n == -1)
      return std::nullopt;
    if (n < 0)
      return fail(field, "negative length"), std::nullopt;
    if (!need(static_cast<std::size_t>(n), field))
      return std::nullopt;
    bytes b(data_ + pos_, data_ + pos_ + n);
    pos_ += static_cast<std::size_t>(n);
    return b;
  }
  std::optional<std::string> nullable_str32(const char* field) {
    std::int32_t n = i32(field);
    if (failed() || n == -1)
      return std::nullopt;
    if (n < 0)
      return fail(field, "negative length"), std::nullopt;
    return take_string(static_cast<std::size_t>(n), field);
  }
  /// An int32 array count, checked against the bytes left (each element
  /// takes at least `min_element_size` bytes) so a corrupt count cannot
  /// make the caller loop or allocate without bound.
  std::int32_t count(const char* field, std::size_t min_element_size) {
    std::int32_t n = i32(field);
    if (failed())
      return 0;
    if (n < 0 || static_cast<std::size_t>(n) * min_element_size > remaining())
      return fail(field, "impossible element count"), 0;
    return n;
  }

  /// Records the first failure: "<field> at byte <pos>: <why>".
  void fail(const char* field, const char* why) {
    if (error_.empty())
      error_ = std::string(field) + " at byte " + std::to_string(pos_) + ": " + why;
  }

private:
  bool need(std::size_t n, const char* field) {
    if (failed())
      return false;
    if (n > remaining()) {
      fail(field, "truncated");
      return false;
    }
    return true;
  }
  std::uint64_t get(std::size_t n, const char* field) {
    if (!need(n, field))
      return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::string take_string(std::size_t n, const char* field) {
    if (!need(n, field))
      return {};
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::string error_;
};

} // namespace rivulet::group::detail
