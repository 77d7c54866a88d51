// wire_writer: the encoding half of io/kafka/wire.hpp (the reader is in
// wire.cpp).

#include "io/kafka/wire.hpp"

#include <cstdlib>
#include <limits>
#include <string>

namespace rivulet::io::kafka {

namespace {

std::uint32_t zigzag32(std::int32_t v) noexcept {
  return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
}
std::uint64_t zigzag64(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

} // namespace

// ---- wire_writer ----

void wire_writer::write_int8(std::int8_t v) { out_->push_back(static_cast<std::uint8_t>(v)); }

void wire_writer::write_int16(std::int16_t v) {
  auto u = static_cast<std::uint16_t>(v);
  out_->push_back(static_cast<std::uint8_t>(u >> 8));
  out_->push_back(static_cast<std::uint8_t>(u));
}

void wire_writer::write_uint32(std::uint32_t v) {
  std::uint8_t b[4];
  store_be32(b, v);
  out_->insert(out_->end(), b, b + 4);
}

void wire_writer::write_int32(std::int32_t v) { write_uint32(static_cast<std::uint32_t>(v)); }

void wire_writer::write_int64(std::int64_t v) {
  std::uint8_t b[8];
  store_be64(b, static_cast<std::uint64_t>(v));
  out_->insert(out_->end(), b, b + 8);
}

namespace {
void write_uleb(std::vector<std::uint8_t>& out, std::uint64_t u) {
  while (u >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(u | 0x80));
    u >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(u));
}
} // namespace

void wire_writer::write_uvarint(std::uint32_t v) { write_uleb(*out_, v); }
void wire_writer::write_varint(std::int32_t v) { write_uleb(*out_, zigzag32(v)); }
void wire_writer::write_varlong(std::int64_t v) { write_uleb(*out_, zigzag64(v)); }

void wire_writer::write_raw(bytes_view b) { out_->insert(out_->end(), b.begin(), b.end()); }

namespace {
constexpr std::size_t int32_max = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());
constexpr std::size_t int16_max = static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max());

void require(bool condition) {
  if (!condition)
    std::abort(); // a length that does not fit its prefix: the caller's bug
}
} // namespace

void wire_writer::write_nullable_bytes(std::optional<bytes_view> b) {
  if (!b)
    return write_int32(-1);
  require(b->size() <= int32_max);
  write_int32(static_cast<std::int32_t>(b->size()));
  write_raw(*b);
}

void wire_writer::write_varint_nullable_bytes(std::optional<bytes_view> b) {
  if (!b)
    return write_varint(-1);
  require(b->size() <= int32_max);
  write_varint(static_cast<std::int32_t>(b->size()));
  write_raw(*b);
}

void wire_writer::write_compact_nullable_bytes(std::optional<bytes_view> b) {
  if (!b)
    return write_uvarint(0);
  require(b->size() < int32_max);
  write_uvarint(static_cast<std::uint32_t>(b->size() + 1));
  write_raw(*b);
}

void wire_writer::write_string(std::string_view s) {
  require(s.size() <= int16_max);
  write_int16(static_cast<std::int16_t>(s.size()));
  write_raw(bytes_view::of(s));
}

void wire_writer::write_nullable_string(std::optional<std::string_view> s) {
  if (!s)
    return write_int16(-1);
  write_string(*s);
}

void wire_writer::write_varint_string(std::string_view s) {
  write_varint_nullable_bytes(bytes_view::of(s));
}

void wire_writer::write_compact_string(std::string_view s) {
  write_compact_nullable_bytes(bytes_view::of(s));
}

void wire_writer::write_compact_nullable_string(std::optional<std::string_view> s) {
  if (!s)
    return write_uvarint(0);
  write_compact_string(*s);
}

void wire_writer::write_array_length(std::optional<std::size_t> n) {
  if (!n)
    return write_int32(-1);
  require(*n <= int32_max);
  write_int32(static_cast<std::int32_t>(*n));
}

void wire_writer::write_compact_array_length(std::optional<std::size_t> n) {
  if (!n)
    return write_uvarint(0);
  require(*n < int32_max);
  write_uvarint(static_cast<std::uint32_t>(*n + 1));
}

void wire_writer::write_empty_tagged_fields() { write_uvarint(0); }

void wire_writer::patch_uint32(std::size_t pos, std::uint32_t v) {
  require(pos + 4 <= out_->size());
  store_be32(out_->data() + pos, v);
}

void wire_writer::patch_int32(std::size_t pos, std::int32_t v) {
  patch_uint32(pos, static_cast<std::uint32_t>(v));
}

} // namespace rivulet::io::kafka
