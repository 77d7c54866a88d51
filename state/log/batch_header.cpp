#include "state/log/batch_header.hpp"

#include <cstdio>
#include <string>

#include "runtime/crc32c.hpp"

namespace rivulet::state {

namespace layout = batch_format::layout;

namespace {

std::uint64_t load_be(const char* p, int n) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

status bad(std::string what) {
  return status{errc::invalid_argument, "record batch: " + std::move(what)};
}

} // namespace

batch_header decode_batch_header(const char* p) noexcept {
  batch_header h;
  h.base_offset = static_cast<std::int64_t>(load_be(p + layout::base_offset, 8));
  h.batch_length = static_cast<std::int32_t>(load_be(p + layout::batch_length, 4));
  h.magic = static_cast<std::int8_t>(load_be(p + layout::magic, 1));
  h.crc = static_cast<std::uint32_t>(load_be(p + layout::crc, 4));
  h.attributes = static_cast<std::int16_t>(load_be(p + layout::attributes, 2));
  h.last_offset_delta = static_cast<std::int32_t>(load_be(p + layout::last_offset_delta, 4));
  h.max_timestamp = static_cast<std::int64_t>(load_be(p + layout::max_timestamp, 8));
  h.producer_id = static_cast<std::int64_t>(load_be(p + layout::producer_id, 8));
  h.producer_epoch = static_cast<std::int16_t>(load_be(p + layout::producer_epoch, 2));
  h.base_sequence = static_cast<std::int32_t>(load_be(p + layout::base_sequence, 4));
  h.records_count = static_cast<std::int32_t>(load_be(p + layout::records_count, 4));
  return h;
}

void encode_base_offset(char* p, std::int64_t base_offset) noexcept {
  auto v = static_cast<std::uint64_t>(base_offset);
  for (int i = 7; i >= 0; --i, v >>= 8)
    p[i] = static_cast<char>(v & 0xff);
}

result<batch_header> validate_batch(std::string_view bytes, offset_rule rule) {
  if (bytes.size() < layout::header_size)
    return bad(std::to_string(bytes.size()) + " bytes is shorter than the "
               + std::to_string(layout::header_size) + "-byte v2 header");
  auto h = decode_batch_header(bytes.data());
  if (h.magic != batch_format::magic)
    return bad("magic " + std::to_string(h.magic) + " at offset 16, expected 2");
  if (h.batch_length < 0 || h.size() != bytes.size())
    return bad("batch_length " + std::to_string(h.batch_length)
               + " at offset 8 does not match the " + std::to_string(bytes.size())
               + " bytes given");
  auto computed = crc32c(bytes.data() + layout::attributes, bytes.size() - layout::attributes);
  if (computed != h.crc)
    return bad("crc " + hex32(h.crc) + " at offset 17 does not match the computed "
               + hex32(computed));
  if ((h.attributes & batch_format::attr::compression_mask) > 4)
    return bad("compression id " + std::to_string(h.attributes & batch_format::attr::compression_mask)
               + " at offset 21 is not 0-4");
  bool counts_ok = rule == offset_rule::dense
    ? h.records_count >= 1 && h.last_offset_delta == h.records_count - 1
    : h.records_count >= 0 && h.last_offset_delta >= 0
        && h.last_offset_delta >= h.records_count - 1;
  if (!counts_ok)
    return bad("records_count " + std::to_string(h.records_count)
               + " at offset 57 is inconsistent with last_offset_delta "
               + std::to_string(h.last_offset_delta) + " at offset 23");
  return h;
}

} // namespace rivulet::state
