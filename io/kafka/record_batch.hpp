#pragma once

#include "io/errors.hpp"
#include "runtime/record_batch_layout.hpp"
#include "io/kafka/bytes.hpp"
#include "io/kafka/compression.hpp"
#include "io/kafka/record.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rivulet::io::kafka {

// The header layout is the storage format too (state/ reads it when
// recovering a log), so it lives in runtime/record_batch_layout.hpp.
namespace batch_layout = rivulet::batch_format::layout;
namespace batch_attr = rivulet::batch_format::attr;
inline constexpr std::int8_t record_batch_magic = rivulet::batch_format::magic;

/// The 61-byte header of a record batch v2, decoded.
struct batch_header {
  std::int64_t base_offset = 0;
  std::int32_t batch_length = 0; ///< Bytes after this field: total size - 12.
  std::int32_t partition_leader_epoch = -1;
  std::int8_t magic = record_batch_magic;
  std::uint32_t crc = 0;
  std::int16_t attributes = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = 0; ///< The delete horizon when has_delete_horizon().
  std::int64_t max_timestamp = 0;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  std::int32_t records_count = 0;

  compression compression_type() const noexcept {
    return static_cast<compression>(attributes & batch_attr::compression_mask);
  }
  bool log_append_time() const noexcept { return (attributes & batch_attr::log_append_time) != 0; }
  bool is_transactional() const noexcept { return (attributes & batch_attr::transactional) != 0; }
  bool is_control() const noexcept { return (attributes & batch_attr::control) != 0; }
  bool has_delete_horizon() const noexcept { return (attributes & batch_attr::delete_horizon) != 0; }
  /// Offset of the last record: base_offset + last_offset_delta.
  std::int64_t last_offset() const noexcept {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(base_offset) +
                                     static_cast<std::uint64_t>(std::int64_t{last_offset_delta}));
  }
  /// Size of the whole batch in bytes: batch_length + 12.
  std::size_t size_bytes() const noexcept {
    return static_cast<std::size_t>(batch_length) + batch_layout::log_overhead;
  }
};

/// Limits applied when parsing untrusted batches.
struct parse_options {
  /// A batch (all of it, header included) larger than this is refused as
  /// too_large; it also bounds every length prefix inside.
  std::size_t max_batch_bytes = std::size_t{256} << 20;
  /// records() of a compressed batch refuses (too_large) to decompress its
  /// records block to more than this many bytes: a bound on what a
  /// decompression bomb can allocate.
  std::size_t max_decompressed_bytes = default_max_decompressed_bytes;
};

/// A validated, zero-copy view of one record batch v2. Holds pointers into
/// the parsed buffer, which must outlive the view and stay unchanged, except
/// that set_base_offset() and set_partition_leader_epoch() may rewrite it
/// (the view's header() is a copy taken at parse time and keeps the old
/// values: parse again to see the new ones). Copyable and thread-compatible.
class record_batch_view {
public:
  /// Parses exactly one batch: `bytes` must be its batch_length + 12 bytes.
  /// Validates, in order: enough bytes for the header (truncated), magic 2
  /// (unsupported for 0 and 1, else corrupted), batch_length against the
  /// minimum 49, the maximum and the size of `bytes` (truncated when
  /// shorter, corrupted when longer), the CRC-32C (corrupted, message names
  /// "crc"), the compression id, records_count >= 0 and last_offset_delta
  /// >= 0. For uncompressed batches it also walks every record: each length
  /// within the batch, each record's fields exactly filling its length,
  /// negative lengths only -1 for null key/value/header value, offset deltas
  /// increasing and <= last_offset_delta, and exactly records_count records
  /// with no bytes after the last. Compressed batches are accepted with
  /// their records unchecked (records() checks them once decompressed).
  /// Never throws, never allocates per record.
  /// `origin` is the offset of `bytes[0]` in an enclosing buffer, added to
  /// offsets in error messages.
  static result<record_batch_view> parse(bytes_view bytes, const parse_options& options = {},
                                         std::size_t origin = 0);

  const batch_header& header() const noexcept { return header_; }
  /// The whole batch.
  bytes_view bytes() const noexcept { return bytes_; }
  /// The bytes after the 61-byte header (compressed if compression is set).
  bytes_view records_bytes() const noexcept { return bytes_.subspan(batch_layout::records); }

  /// The records, for iteration. A compressed batch is decompressed here,
  /// on every call, into a buffer the returned range owns (shared by its
  /// copies): its record views point into that buffer and stay valid as
  /// long as a copy of the range lives, not merely the batch bytes. The
  /// decompressed records are validated as parse() validates uncompressed
  /// ones. Errors name the codec and the batch's base offset: corrupted for
  /// bad compressed data or malformed records inside, too_large past
  /// parse_options::max_decompressed_bytes.
  result<record_range> records() const;

private:
  record_batch_view(bytes_view bytes, const batch_header& header, std::size_t origin,
                    std::size_t max_decompressed_bytes)
    : bytes_(bytes), header_(header), origin_(origin),
      max_decompressed_bytes_(max_decompressed_bytes) {
  }

  bytes_view bytes_;
  batch_header header_;
  std::size_t origin_ = 0;
  std::size_t max_decompressed_bytes_ = default_max_decompressed_bytes;
};

/// Rewrites base_offset of the batch at the start of `batch` in place. The
/// CRC does not cover base_offset (nor batch_length, partition_leader_epoch,
/// magic), so the CRC stays valid and nothing else changes: this is how a
/// broker assigns offsets to a producer's bytes. Fails (invalid_argument)
/// without writing when `batch` is shorter than a batch header or its magic
/// is not 2. Does not check the CRC.
status set_base_offset(mutable_bytes_view batch, std::int64_t base_offset);

/// Same as set_base_offset() for partition_leader_epoch, which a leader
/// stamps on batches it appends. The CRC stays valid.
status set_partition_leader_epoch(mutable_bytes_view batch, std::int32_t epoch);

/// The batches found in a buffer of concatenated batches (the records field
/// of a Produce or Fetch, or a log segment), in order.
struct batch_split {
  /// How the buffer ends after `valid_bytes`.
  enum class tail_kind {
    none,      ///< Every byte belongs to a valid batch.
    truncated, ///< A partial last batch: normal at the end of a Fetch reply or a torn write.
    invalid,   ///< A whole batch (or its header) failed validation; `tail_error` says why.
  };

  std::vector<record_batch_view> batches;
  /// Length of the prefix covered by `batches`.
  std::size_t valid_bytes = 0;
  tail_kind tail = tail_kind::none;
  /// Why the bytes from `valid_bytes` on were not parsed; ok when tail is none.
  status tail_error;
};

/// Splits `buffer` into batch views, stopping at the first partial or
/// invalid batch. A tail is `truncated` when the buffer ends before the
/// batch_length (or the 12-byte prefix) it declares and what is there looks
/// plausible (magic 2 when present, batch_length within [49, maximum]);
/// otherwise a failing batch is `invalid`. Offsets in `tail_error` are
/// relative to the start of `buffer`.
batch_split split_batches(bytes_view buffer, const parse_options& options = {});

} // namespace rivulet::io::kafka
