#pragma once

#include "io/errors.hpp"
#include "io/kafka/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// Longest encodings Kafka allows: 5 bytes for a 32-bit varint, 10 for a
/// 64-bit varlong.
inline constexpr std::size_t max_varint_bytes = 5;
inline constexpr std::size_t max_varlong_bytes = 10;

/// Largest length prefix a wire_reader accepts unless told otherwise.
inline constexpr std::size_t default_max_length_bytes = std::size_t{256} << 20;

/// Big-endian reader of Kafka primitive types over a byte view, with bounds
/// checks. It never reads outside its view and never allocates: byte and
/// string fields come back as views into the input. Every failure is an
/// error value whose message names the field (given by the caller) and the
/// byte offset where it starts; the reader's position is then unspecified
/// and it should be dropped.
///
/// Error codes: `truncated` when the view ends inside a field, `corrupted`
/// for impossible encodings (a negative length other than -1 where null is
/// allowed, a varint longer than 5 bytes or overflowing 32 bits), and
/// `too_large` for a length above `max_length`.
///
/// Varints: like Kafka, padded encodings that stay within the maximum
/// length (0x80 0x00 for 0) are accepted; bits beyond the type's width are
/// rejected, where Kafka's Java client drops them silently.
///
/// Not thread-safe; cheap to copy.
class wire_reader {
public:
  /// Reads `bytes`. `origin` is the offset of `bytes[0]` within an enclosing
  /// buffer and is added to offsets in error messages. Length prefixes above
  /// `max_length` are rejected as too_large.
  explicit wire_reader(bytes_view bytes, std::size_t origin = 0,
                       std::size_t max_length = default_max_length_bytes) noexcept
    : bytes_(bytes), origin_(origin), max_length_(max_length) {
  }

  /// Bytes consumed so far.
  std::size_t position() const noexcept { return pos_; }
  /// origin + position(): where the next field starts in the enclosing buffer.
  std::size_t offset() const noexcept { return origin_ + pos_; }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == bytes_.size(); }
  std::size_t max_length() const noexcept { return max_length_; }

  result<std::int8_t> read_int8(const char* field);
  result<std::int16_t> read_int16(const char* field);
  result<std::int32_t> read_int32(const char* field);
  result<std::int64_t> read_int64(const char* field);
  result<std::uint32_t> read_uint32(const char* field);

  /// Unsigned LEB128, at most 5 bytes (Kafka's "unsigned varint").
  result<std::uint32_t> read_uvarint(const char* field);
  /// Zig-zag signed 32-bit varint, at most 5 bytes.
  result<std::int32_t> read_varint(const char* field);
  /// Zig-zag signed 64-bit varlong, at most 10 bytes.
  result<std::int64_t> read_varlong(const char* field);

  /// The next `n` bytes.
  result<bytes_view> read_raw(std::size_t n, const char* field);
  /// A reader over the next `n` bytes (same origin and limit), advancing
  /// this one past them: for fields framed by their own length.
  result<wire_reader> read_sub_reader(std::size_t n, const char* field);

  /// int32 length then bytes; length -1 is null.
  result<std::optional<bytes_view>> read_nullable_bytes(const char* field);
  /// Zig-zag varint length then bytes; -1 is null (record keys and values).
  result<std::optional<bytes_view>> read_varint_nullable_bytes(const char* field);
  /// Unsigned varint of length + 1 then bytes; 0 is null (flexible versions).
  result<std::optional<bytes_view>> read_compact_nullable_bytes(const char* field);
  /// int16 length then UTF-8 bytes; null (-1) is an error.
  result<std::string_view> read_string(const char* field);
  /// int16 length then bytes; -1 is null.
  result<std::optional<std::string_view>> read_nullable_string(const char* field);
  /// Zig-zag varint length then bytes; null is an error (record header keys).
  result<std::string_view> read_varint_string(const char* field);
  /// Unsigned varint of length + 1 then bytes; 0 (null) is an error.
  result<std::string_view> read_compact_string(const char* field);
  /// Unsigned varint of length + 1 then bytes; 0 is null.
  result<std::optional<std::string_view>> read_compact_nullable_string(const char* field);

  /// Array counts. The classic form is an int32 (-1 null); the compact form
  /// of flexible versions an unsigned varint of count + 1 (0 null). Other
  /// negative counts are corrupted. A count whose elements, at
  /// `min_element_bytes` each, cannot fit in the remaining bytes is
  /// truncated, so a caller may reserve `count` elements without risking a
  /// huge allocation. The non-nullable forms reject null as corrupted.
  result<std::optional<std::size_t>> read_nullable_array_length(const char* field,
                                                               std::size_t min_element_bytes);
  result<std::size_t> read_array_length(const char* field, std::size_t min_element_bytes);
  result<std::optional<std::size_t>>
  read_compact_nullable_array_length(const char* field, std::size_t min_element_bytes);
  result<std::size_t> read_compact_array_length(const char* field, std::size_t min_element_bytes);

  /// Skips a tagged-field section of a flexible version: an unsigned varint
  /// count, then per field an unsigned varint tag (strictly increasing, as
  /// Kafka requires), an unsigned varint size and that many bytes. No tags
  /// are understood yet, so all are skipped.
  status skip_tagged_fields(const char* field);

private:
  status truncated(const char* field, std::size_t start, std::size_t need) const;
  result<std::optional<std::size_t>> check_count(const char* field, std::size_t start,
                                                 std::int64_t count, std::size_t min_element_bytes,
                                                 bool nullable) const;
  /// Checks a decoded length `len` of a field that started at `start`;
  /// returns ok and sets `is_null` for -1 when `nullable`.
  status check_length(const char* field, std::size_t start, std::int64_t len,
                      bool nullable, bool& is_null) const;
  result<std::optional<bytes_view>> take(const char* field, std::size_t start,
                                         std::int64_t len, bool nullable);

  bytes_view bytes_;
  std::size_t pos_ = 0;
  std::size_t origin_ = 0;
  std::size_t max_length_ = default_max_length_bytes;
};

/// Number of bytes the encodings of `v` take.
std::size_t uvarint_size(std::uint32_t v) noexcept;
std::size_t varint_size(std::int32_t v) noexcept;
std::size_t varlong_size(std::int64_t v) noexcept;

/// Big-endian writer of Kafka primitive types, appending to a vector it
/// does not own. Lengths that do not fit their prefix (a string over 32767
/// bytes, bytes over 2^31-1) are contract violations that abort: callers
/// check sizes first, as record_batch_builder does. Writes the shortest
/// varint encodings.
class wire_writer {
public:
  explicit wire_writer(std::vector<std::uint8_t>& out) noexcept : out_(&out) {
  }

  /// Bytes in the output vector (including any that were there before).
  std::size_t size() const noexcept { return out_->size(); }

  void write_int8(std::int8_t v);
  void write_int16(std::int16_t v);
  void write_int32(std::int32_t v);
  void write_int64(std::int64_t v);
  void write_uint32(std::uint32_t v);
  void write_uvarint(std::uint32_t v);
  void write_varint(std::int32_t v);
  void write_varlong(std::int64_t v);
  void write_raw(bytes_view b);
  void write_nullable_bytes(std::optional<bytes_view> b);
  void write_varint_nullable_bytes(std::optional<bytes_view> b);
  void write_compact_nullable_bytes(std::optional<bytes_view> b);
  void write_string(std::string_view s);
  void write_nullable_string(std::optional<std::string_view> s);
  void write_varint_string(std::string_view s);
  void write_compact_string(std::string_view s);
  void write_compact_nullable_string(std::optional<std::string_view> s);
  /// int32 element count; nullopt writes -1 (a null array).
  void write_array_length(std::optional<std::size_t> n);
  /// Unsigned varint of count + 1; nullopt writes 0 (a null array).
  void write_compact_array_length(std::optional<std::size_t> n);
  /// An empty tagged-field section: a zero count.
  void write_empty_tagged_fields();

  /// Overwrites 4 bytes at `pos` (which must already exist), big-endian: for
  /// length and CRC fields known only after the rest is written.
  void patch_int32(std::size_t pos, std::int32_t v);
  void patch_uint32(std::size_t pos, std::uint32_t v);

private:
  std::vector<std::uint8_t>* out_;
};

/// Big-endian loads and stores on raw memory; the caller guarantees bounds.
std::uint32_t load_be32(const std::uint8_t* p) noexcept;
std::uint64_t load_be64(const std::uint8_t* p) noexcept;
void store_be32(std::uint8_t* p, std::uint32_t v) noexcept;
void store_be64(std::uint8_t* p, std::uint64_t v) noexcept;

} // namespace rivulet::io::kafka
