#pragma once

// Plain records in and out of Kafka record batches v2, for rivulet's native
// producer and consumer and for the controller log: encode a list of
// records as one batch, and decode the data records of fetched bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/errors.hpp"
#include "io/kafka/compression.hpp"

namespace rivulet::io::kafka {

/// One record as a producer hands it over. A null key or value is nullopt.
struct plain_record {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::int64_t timestamp_ms = 0;
};

/// A record read back, with its offset in the partition.
struct read_record {
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

/// Producer identity stamped on a batch (-1s: not idempotent).
struct producer_stamp {
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  /// Attribute bit 4: the batch belongs to a transaction.
  bool transactional = false;
};

/// One batch v2 holding `records` in order, base offset 0 (the partition
/// leader assigns offsets), its records block compressed with `codec`.
/// invalid_argument when empty or too large.
result<std::string> encode_batch(const std::vector<plain_record>& records, const producer_stamp& stamp = {},
                                 compression codec = compression::none);

/// The data records of `bytes` (concatenated batches as a fetch returns
/// them) at offsets >= `from_offset`, in order. Control batches are skipped.
/// Compressed batches (any Kafka codec) are decompressed. A partial batch
/// at the end is ignored (a fetch cut at max_bytes); an invalid batch, or
/// one that does not decompress, is an error naming its offset, with the
/// records decoded before it kept in `out`.
status decode_batches(std::string_view bytes, std::int64_t from_offset, std::vector<read_record>& out);

/// An aborted transaction as a read_committed Fetch lists it.
struct aborted_transaction {
  std::int64_t producer_id = -1;
  std::int64_t first_offset = 0;
};

/// decode_batches for a read_committed reader: also drops the records of
/// the aborted transactions in `aborted` (what the fetch that returned
/// `bytes` listed), as Kafka's consumers do: from a listed transaction's
/// first offset on, that producer's transactional batches are skipped until
/// its abort marker.
status decode_committed_batches(std::string_view bytes, std::int64_t from_offset,
                                std::vector<aborted_transaction> aborted, std::vector<read_record>& out);

/// Offset one past the last batch in `bytes` (data or control), or
/// `from_offset` when `bytes` holds no whole batch. A consumer continues
/// from here even when the batches held no data records (e.g. no-ops).
std::int64_t next_offset(std::string_view bytes, std::int64_t from_offset);

} // namespace rivulet::io::kafka
