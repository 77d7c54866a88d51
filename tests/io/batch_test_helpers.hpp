#pragma once

// Hand-assembled record batches for tests: unlike record_batch_builder they
// can hold anything, including invalid records, with a correct CRC so that
// the checks after the CRC are reached.

#include "runtime/crc32c.hpp"
#include "io/kafka/record_batch.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rivulet::io::kafka::test {

using bytes = std::vector<std::uint8_t>;

/// Recomputes the CRC-32C of a batch in place (bytes 21..end into 17..20).
inline void fix_crc(bytes& batch) {
  store_be32(batch.data() + batch_layout::crc,
             crc32c(batch.data() + batch_layout::attributes,
                    batch.size() - batch_layout::attributes));
}

/// A record body (everything after the length varint) with valid encodings.
inline bytes record_body(std::int64_t ts_delta, std::int32_t offset_delta,
                         std::optional<std::string_view> key,
                         std::optional<std::string_view> value,
                         const std::vector<std::pair<std::string, std::optional<std::string>>>&
                           headers = {}) {
  bytes body;
  wire_writer w{body};
  w.write_int8(0);
  w.write_varlong(ts_delta);
  w.write_varint(offset_delta);
  w.write_varint_nullable_bytes(key ? std::optional<bytes_view>{bytes_view::of(*key)}
                                    : std::nullopt);
  w.write_varint_nullable_bytes(value ? std::optional<bytes_view>{bytes_view::of(*value)}
                                      : std::nullopt);
  w.write_varint(static_cast<std::int32_t>(headers.size()));
  for (const auto& [k, v] : headers) {
    w.write_varint_string(k);
    w.write_varint_nullable_bytes(v ? std::optional<bytes_view>{bytes_view::of(*v)}
                                    : std::nullopt);
  }
  return body;
}

/// `body` prefixed with `length` (its real size unless given).
inline bytes framed(const bytes& body, std::optional<std::int32_t> length = std::nullopt) {
  bytes out;
  wire_writer w{out};
  w.write_varint(length ? *length : static_cast<std::int32_t>(body.size()));
  w.write_raw(body);
  return out;
}

/// A batch around `records` with the given header values and a valid CRC.
inline bytes raw_batch(const bytes& records, std::int32_t records_count,
                       std::int32_t last_offset_delta, std::int16_t attributes = 0,
                       std::int64_t base_offset = 0) {
  bytes out;
  wire_writer w{out};
  w.write_int64(base_offset);
  w.write_int32(static_cast<std::int32_t>(49 + records.size()));
  w.write_int32(-1);
  w.write_int8(2);
  w.write_uint32(0);
  w.write_int16(attributes);
  w.write_int32(last_offset_delta);
  w.write_int64(1000); // base_timestamp
  w.write_int64(2000); // max_timestamp
  w.write_int64(-1);
  w.write_int16(-1);
  w.write_int32(-1);
  w.write_int32(records_count);
  w.write_raw(records);
  fix_crc(out);
  return out;
}

inline bytes concat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline std::string text(bytes_view b) { return std::string(b.as_string_view()); }

inline bool mentions(const status& st, const std::string& what) {
  return st.message().find(what) != std::string::npos;
}

} // namespace rivulet::io::kafka::test
