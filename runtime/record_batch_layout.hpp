#pragma once

// Byte layout of a Kafka record batch v2 header: the unit rivulet's topic
// store keeps on disk and the Kafka protocol carries. Full parsing and
// building live in io/kafka/record_batch.hpp; the log (state/) needs only
// these offsets to find batch boundaries and check CRCs when it recovers.
// See docs/formats/record-batch-v2.md.

#include <cstddef>
#include <cstdint>

namespace rivulet::batch_format {

/// Fixed layout of a record batch v2 header; see docs/formats/record-batch-v2.md.
namespace layout {
inline constexpr std::size_t base_offset = 0;
inline constexpr std::size_t batch_length = 8;
inline constexpr std::size_t partition_leader_epoch = 12;
inline constexpr std::size_t magic = 16;
inline constexpr std::size_t crc = 17;
inline constexpr std::size_t attributes = 21; ///< The CRC covers [attributes, end).
inline constexpr std::size_t last_offset_delta = 23;
inline constexpr std::size_t base_timestamp = 27;
inline constexpr std::size_t max_timestamp = 35;
inline constexpr std::size_t producer_id = 43;
inline constexpr std::size_t producer_epoch = 51;
inline constexpr std::size_t base_sequence = 53;
inline constexpr std::size_t records_count = 57;
inline constexpr std::size_t records = 61;
/// base_offset and batch_length: the bytes not counted by batch_length.
inline constexpr std::size_t log_overhead = 12;
/// Size of a batch with no records.
inline constexpr std::size_t header_size = records;
} // namespace layout

inline constexpr std::int8_t magic = 2;

/// Attribute bits of a batch.
namespace attr {
inline constexpr std::int16_t compression_mask = 0x07;
inline constexpr std::int16_t log_append_time = 0x08;
inline constexpr std::int16_t transactional = 0x10;
inline constexpr std::int16_t control = 0x20;
inline constexpr std::int16_t delete_horizon = 0x40;
} // namespace attr


} // namespace rivulet::batch_format
