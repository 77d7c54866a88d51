#pragma once

// Header-level view and validation of one Kafka record batch v2, as the
// partition log needs it (boundaries, offsets, timestamps, CRC). Records are
// not decoded; full parsing lives in io/kafka. See docs/formats/record-batch-v2.md.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/record_batch_layout.hpp"
#include "state/result.hpp"

namespace rivulet::state {

/// The fixed header fields of a record batch v2 that the log uses.
struct batch_header {
  std::int64_t base_offset = 0;
  std::int32_t batch_length = 0; ///< Bytes after the batch_length field.
  std::int8_t magic = 0;
  std::uint32_t crc = 0;
  std::int16_t attributes = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t max_timestamp = 0;
  /// Idempotent producer fields; -1 each when the producer is not idempotent.
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  std::int32_t records_count = 0;

  /// Total size in bytes: batch_length plus the 12 bytes before it.
  /// Meaningful only when batch_length >= 0.
  std::uint64_t size() const noexcept {
    return batch_format::layout::log_overhead + static_cast<std::uint64_t>(batch_length);
  }
  std::int64_t last_offset() const noexcept { return base_offset + last_offset_delta; }
};

/// Decodes the header at `p`, which must hold at least
/// batch_format::layout::header_size (61) bytes. Checks nothing.
batch_header decode_batch_header(const char* p) noexcept;

/// Writes `base_offset` big-endian into the 8 bytes at `p` (outside the CRC).
void encode_base_offset(char* p, std::int64_t base_offset) noexcept;

/// How record offsets inside a batch may be laid out.
enum class offset_rule {
  /// records_count >= 1 and last_offset_delta == records_count - 1: what a
  /// producer sends and a leader accepts.
  dense,
  /// records_count >= 0 and last_offset_delta >= max(records_count - 1, 0):
  /// compaction may leave gaps or empty batches (followers, recovery).
  gaps_allowed,
};

/// Checks that `bytes` is exactly one record batch v2 at the header level:
/// size >= 61, batch_length consistent with the size, magic 2, CRC-32C of
/// [attributes, end), compression id <= 4, and record count / last offset
/// delta per `rule`. The base offset is not checked. Returns the decoded
/// header, or invalid_argument naming the field and its byte offset.
result<batch_header> validate_batch(std::string_view bytes, offset_rule rule);

} // namespace rivulet::state
