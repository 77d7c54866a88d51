#pragma once

#include "io/errors.hpp"
#include "io/kafka/bytes.hpp"
#include "io/kafka/compression.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// A header to append with a record: non-null key, nullable value. Views
/// are copied by append(), so they need only live for that call.
struct record_header {
  std::string_view key;
  std::optional<bytes_view> value;
};

/// Builds one record batch v2 (magic 2, CreateTime). Records
/// are encoded as they are appended; build() adds the 61-byte header and the
/// CRC-32C over bytes 21..end, as Kafka specifies. The first record's
/// timestamp becomes base_timestamp, the largest one max_timestamp, and
/// offset deltas are 0, 1, 2, ... Owns its buffer; not thread-safe.
///
///   record_batch_builder b;
///   b.set_producer(pid, epoch, seq);
///   if (auto st = b.append(ts_ms, bytes_view::of("k"), bytes_view::of("v")); !st) ...
///   auto bytes = b.build(base_offset);
class record_batch_builder {
public:
  /// Producer id, epoch and first sequence number for idempotent or
  /// transactional producers. The defaults -1, -1, -1 mean none.
  record_batch_builder& set_producer(std::int64_t producer_id, std::int16_t producer_epoch,
                                     std::int32_t base_sequence) noexcept;
  /// Attribute bit 4: the batch belongs to a transaction.
  record_batch_builder& set_transactional(bool on) noexcept;
  /// Attribute bit 5: a control batch (e.g. a transaction marker); the
  /// caller appends the control record's key and value itself.
  record_batch_builder& set_control(bool on) noexcept;
  /// Leader epoch to stamp; -1 (the default) is what producers send.
  record_batch_builder& set_partition_leader_epoch(std::int32_t epoch) noexcept;
  /// Codec for the records block (attribute bits 0-2); none by default.
  /// build() compresses what append() encoded, in the framing of
  /// io/kafka/compression.hpp, even when that does not make it smaller.
  record_batch_builder& set_compression(compression codec) noexcept;

  /// Appends a record. `key` and `value` may be null (nullopt); a null
  /// value is a tombstone. Fails with invalid_argument, appending nothing,
  /// when a length does not fit Kafka's int32 fields or the batch would
  /// exceed 2^31-1 bytes or records.
  status append(std::int64_t timestamp_ms, std::optional<bytes_view> key,
                std::optional<bytes_view> value, const std::vector<record_header>& headers = {});

  std::int32_t record_count() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  /// Size of the batch uncompressed: exactly what build() returns without
  /// compression; with it, build() usually returns less.
  std::size_t size_bytes() const noexcept;

  /// The batch with `base_offset`, ready to send or store. Fails with
  /// invalid_argument when no record was appended (Kafka rejects empty
  /// batches from producers), internal when the codec fails. May be called again, e.g. with another offset.
  result<std::vector<std::uint8_t>> build(std::int64_t base_offset) const;

  /// Drops the records; keeps producer, flags, codec and leader epoch.
  void clear() noexcept;

private:
  std::vector<std::uint8_t> records_;
  std::int32_t count_ = 0;
  std::int64_t base_timestamp_ = 0;
  std::int64_t max_timestamp_ = 0;
  std::int64_t producer_id_ = -1;
  std::int16_t producer_epoch_ = -1;
  std::int32_t base_sequence_ = -1;
  std::int32_t partition_leader_epoch_ = -1;
  std::int16_t attributes_ = 0;
  compression codec_ = compression::none;
};

} // namespace rivulet::io::kafka
