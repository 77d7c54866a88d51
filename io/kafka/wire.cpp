#include "io/kafka/wire.hpp"

#include <cstdlib>
#include <limits>
#include <string>

namespace rivulet::io::kafka {

namespace {

std::string where(const char* field, std::size_t offset) {
  return std::string("'") + field + "' at offset " + std::to_string(offset);
}

std::uint32_t zigzag32(std::int32_t v) noexcept {
  return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
}
std::uint64_t zigzag64(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int32_t unzigzag32(std::uint32_t u) noexcept {
  return static_cast<std::int32_t>((u >> 1) ^ (~(u & 1) + 1));
}
std::int64_t unzigzag64(std::uint64_t u) noexcept {
  return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

std::size_t uvarlong_size(std::uint64_t u) noexcept {
  std::size_t n = 1;
  while (u >= 0x80) {
    u >>= 7;
    ++n;
  }
  return n;
}

} // namespace

std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
         (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}
void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
void store_be64(std::uint8_t* p, std::uint64_t v) noexcept {
  store_be32(p, static_cast<std::uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<std::uint32_t>(v));
}

std::size_t uvarint_size(std::uint32_t v) noexcept { return uvarlong_size(v); }
std::size_t varint_size(std::int32_t v) noexcept { return uvarlong_size(zigzag32(v)); }
std::size_t varlong_size(std::int64_t v) noexcept { return uvarlong_size(zigzag64(v)); }

// ---- wire_reader ----

status wire_reader::truncated(const char* field, std::size_t start, std::size_t need) const {
  return {errc::truncated, where(field, origin_ + start) + " needs " + std::to_string(need) +
                             " bytes, " + std::to_string(bytes_.size() - start) + " left"};
}

result<std::int8_t> wire_reader::read_int8(const char* field) {
  if (remaining() < 1)
    return truncated(field, pos_, 1);
  return static_cast<std::int8_t>(bytes_[pos_++]);
}

result<std::int16_t> wire_reader::read_int16(const char* field) {
  if (remaining() < 2)
    return truncated(field, pos_, 2);
  auto v = static_cast<std::uint16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
  pos_ += 2;
  return static_cast<std::int16_t>(v);
}

result<std::uint32_t> wire_reader::read_uint32(const char* field) {
  if (remaining() < 4)
    return truncated(field, pos_, 4);
  auto v = load_be32(bytes_.data() + pos_);
  pos_ += 4;
  return v;
}

result<std::int32_t> wire_reader::read_int32(const char* field) {
  auto v = read_uint32(field);
  if (!v)
    return v.error();
  return static_cast<std::int32_t>(*v);
}

result<std::int64_t> wire_reader::read_int64(const char* field) {
  if (remaining() < 8)
    return truncated(field, pos_, 8);
  auto v = load_be64(bytes_.data() + pos_);
  pos_ += 8;
  return static_cast<std::int64_t>(v);
}

namespace {

// Decodes an unsigned LEB128 of at most `max_bytes` whose value must fit in
// `bits`. Returns the byte count, 0 when the input ends first, or -1 / -2
// for too long / overflowing.
int decode_uleb(const std::uint8_t* p, std::size_t avail, std::size_t max_bytes, unsigned bits,
                std::uint64_t& out) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < max_bytes; ++i) {
    if (i == avail)
      return 0;
    std::uint64_t b = p[i];
    unsigned shift = static_cast<unsigned>(7 * i);
    if (i == max_bytes - 1 && (b >> (bits - shift)) != 0)
      return -2; // continuation bit or value bits beyond the type's width
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      out = v;
      return static_cast<int>(i + 1);
    }
  }
  return -1; // unreachable: the last byte either ends or overflows
}

} // namespace

result<std::uint32_t> wire_reader::read_uvarint(const char* field) {
  std::uint64_t v = 0;
  int n = decode_uleb(bytes_.data() + pos_, remaining(), max_varint_bytes, 32, v);
  if (n == 0)
    return status{errc::truncated, "varint " + where(field, offset()) + " is cut off after " +
                                     std::to_string(remaining()) + " bytes"};
  if (n < 0)
    return status{errc::corrupted, "varint " + where(field, offset()) +
                                     " is longer than 5 bytes or overflows 32 bits"};
  pos_ += static_cast<std::size_t>(n);
  return static_cast<std::uint32_t>(v);
}

result<std::int32_t> wire_reader::read_varint(const char* field) {
  auto u = read_uvarint(field);
  if (!u)
    return u.error();
  return unzigzag32(*u);
}

result<std::int64_t> wire_reader::read_varlong(const char* field) {
  std::uint64_t v = 0;
  int n = decode_uleb(bytes_.data() + pos_, remaining(), max_varlong_bytes, 64, v);
  if (n == 0)
    return status{errc::truncated, "varlong " + where(field, offset()) + " is cut off after " +
                                     std::to_string(remaining()) + " bytes"};
  if (n < 0)
    return status{errc::corrupted, "varlong " + where(field, offset()) +
                                     " is longer than 10 bytes or overflows 64 bits"};
  pos_ += static_cast<std::size_t>(n);
  return unzigzag64(v);
}

result<bytes_view> wire_reader::read_raw(std::size_t n, const char* field) {
  if (remaining() < n)
    return truncated(field, pos_, n);
  bytes_view out = bytes_.subspan(pos_, n);
  pos_ += n;
  return out;
}

result<wire_reader> wire_reader::read_sub_reader(std::size_t n, const char* field) {
  std::size_t start = pos_;
  auto raw = read_raw(n, field);
  if (!raw)
    return raw.error();
  return wire_reader{*raw, origin_ + start, max_length_};
}

status wire_reader::check_length(const char* field, std::size_t start, std::int64_t len,
                                 bool nullable, bool& is_null) const {
  is_null = false;
  if (len == -1 && nullable) {
    is_null = true;
    return {};
  }
  if (len < 0)
    return {errc::corrupted, where(field, origin_ + start) + " has length " + std::to_string(len) +
                               (nullable ? " (only -1 means null)" : " (it may not be null)")};
  if (static_cast<std::uint64_t>(len) > max_length_)
    return {errc::too_large, where(field, origin_ + start) + " declares " + std::to_string(len) +
                               " bytes, more than the maximum " + std::to_string(max_length_)};
  if (static_cast<std::uint64_t>(len) > remaining())
    return {errc::truncated, where(field, origin_ + start) + " declares " + std::to_string(len) +
                               " bytes, " + std::to_string(remaining()) + " left"};
  return {};
}

result<std::optional<bytes_view>> wire_reader::take(const char* field, std::size_t start,
                                                    std::int64_t len, bool nullable) {
  bool is_null = false;
  if (auto st = check_length(field, start, len, nullable, is_null); !st)
    return st;
  if (is_null)
    return std::optional<bytes_view>{};
  bytes_view out = bytes_.subspan(pos_, static_cast<std::size_t>(len));
  pos_ += out.size();
  return std::optional<bytes_view>{out};
}

result<std::optional<bytes_view>> wire_reader::read_nullable_bytes(const char* field) {
  std::size_t start = pos_;
  auto len = read_int32(field);
  if (!len)
    return len.error();
  return take(field, start, *len, true);
}

result<std::optional<bytes_view>> wire_reader::read_varint_nullable_bytes(const char* field) {
  std::size_t start = pos_;
  auto len = read_varint(field);
  if (!len)
    return len.error();
  return take(field, start, *len, true);
}

result<std::optional<bytes_view>> wire_reader::read_compact_nullable_bytes(const char* field) {
  std::size_t start = pos_;
  auto len = read_uvarint(field);
  if (!len)
    return len.error();
  return take(field, start, std::int64_t{*len} - 1, true);
}

namespace {

result<std::string_view> non_null_text(result<std::optional<bytes_view>> r) {
  if (!r)
    return r.error();
  return r->value().as_string_view();
}

result<std::optional<std::string_view>> nullable_text(result<std::optional<bytes_view>> r) {
  if (!r)
    return r.error();
  if (!r->has_value())
    return std::optional<std::string_view>{};
  return std::optional<std::string_view>{r->value().as_string_view()};
}

} // namespace

result<std::string_view> wire_reader::read_string(const char* field) {
  std::size_t start = pos_;
  auto len = read_int16(field);
  if (!len)
    return len.error();
  return non_null_text(take(field, start, *len, false));
}

result<std::optional<std::string_view>> wire_reader::read_nullable_string(const char* field) {
  std::size_t start = pos_;
  auto len = read_int16(field);
  if (!len)
    return len.error();
  return nullable_text(take(field, start, *len, true));
}

result<std::string_view> wire_reader::read_varint_string(const char* field) {
  std::size_t start = pos_;
  auto len = read_varint(field);
  if (!len)
    return len.error();
  return non_null_text(take(field, start, *len, false));
}

result<std::string_view> wire_reader::read_compact_string(const char* field) {
  std::size_t start = pos_;
  auto len = read_uvarint(field);
  if (!len)
    return len.error();
  return non_null_text(take(field, start, std::int64_t{*len} - 1, false));
}

result<std::optional<std::string_view>> wire_reader::read_compact_nullable_string(const char* field) {
  std::size_t start = pos_;
  auto len = read_uvarint(field);
  if (!len)
    return len.error();
  return nullable_text(take(field, start, std::int64_t{*len} - 1, true));
}

result<std::optional<std::size_t>> wire_reader::check_count(const char* field, std::size_t start,
                                                            std::int64_t count,
                                                            std::size_t min_element_bytes,
                                                            bool nullable) const {
  if (count == -1) {
    if (nullable)
      return std::optional<std::size_t>{};
    return status{errc::corrupted, "array " + where(field, origin_ + start) + " is null"};
  }
  if (count < 0)
    return status{errc::corrupted, "array " + where(field, origin_ + start) + " has count " +
                                     std::to_string(count) + " (only -1 means null)"};
  // Checked before anyone reserves `count` elements: each takes at least
  // min_element_bytes, so more than remaining() / min cannot be there.
  auto n = static_cast<std::uint64_t>(count);
  if (min_element_bytes > 0 && n > remaining() / min_element_bytes)
    return status{errc::truncated, "array " + where(field, origin_ + start) + " declares " +
                                     std::to_string(n) + " elements of at least " +
                                     std::to_string(min_element_bytes) + " bytes, " +
                                     std::to_string(remaining()) + " bytes left"};
  return std::optional<std::size_t>{static_cast<std::size_t>(n)};
}

result<std::optional<std::size_t>> wire_reader::read_nullable_array_length(
  const char* field, std::size_t min_element_bytes) {
  std::size_t start = pos_;
  auto count = read_int32(field);
  if (!count)
    return count.error();
  return check_count(field, start, *count, min_element_bytes, true);
}

result<std::size_t> wire_reader::read_array_length(const char* field,
                                                   std::size_t min_element_bytes) {
  std::size_t start = pos_;
  auto count = read_int32(field);
  if (!count)
    return count.error();
  auto n = check_count(field, start, *count, min_element_bytes, false);
  if (!n)
    return n.error();
  return **n;
}

result<std::optional<std::size_t>> wire_reader::read_compact_nullable_array_length(
  const char* field, std::size_t min_element_bytes) {
  std::size_t start = pos_;
  auto count = read_uvarint(field);
  if (!count)
    return count.error();
  return check_count(field, start, std::int64_t{*count} - 1, min_element_bytes, true);
}

result<std::size_t> wire_reader::read_compact_array_length(const char* field,
                                                           std::size_t min_element_bytes) {
  std::size_t start = pos_;
  auto count = read_uvarint(field);
  if (!count)
    return count.error();
  auto n = check_count(field, start, std::int64_t{*count} - 1, min_element_bytes, false);
  if (!n)
    return n.error();
  return **n;
}

status wire_reader::skip_tagged_fields(const char* field) {
  std::size_t start = pos_;
  auto count = read_uvarint(field);
  if (!count)
    return count.error();
  // Each field takes at least two bytes (tag and size), which bounds the loop.
  if (*count > remaining() / 2)
    return truncated(field, start, std::size_t{*count} * 2);
  std::int64_t previous_tag = -1;
  for (std::uint32_t i = 0; i < *count; ++i) {
    std::size_t tag_start = pos_;
    auto tag = read_uvarint(field);
    if (!tag)
      return tag.error();
    if (std::int64_t{*tag} <= previous_tag)
      return {errc::corrupted, "tag " + std::to_string(*tag) + " in " +
                                 where(field, origin_ + tag_start) +
                                 " does not follow the previous tag in increasing order"};
    previous_tag = *tag;
    auto size = read_uvarint(field);
    if (!size)
      return size.error();
    if (auto skipped = take(field, tag_start, std::int64_t{*size}, false); !skipped)
      return skipped.error();
  }
  return {};
}

} // namespace rivulet::io::kafka
