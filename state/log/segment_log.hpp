#pragma once

// The on-disk log of one partition replica in rivulet's topic store: Kafka
// record batches v2 stored verbatim in segment files named by base offset.
// Formats, recovery, fsync and retention rules: docs/formats/segment-log.md.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/log/log_config.hpp"
#include "state/log/segment.hpp"
#include "state/result.hpp"

namespace rivulet::state {

/// Offsets given to an appended batch.
struct append_result {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
};

/// Whole batches returned by segment_log::read.
struct read_result {
  /// Concatenated batches exactly as stored (base offsets set); may be empty.
  std::string bytes;
  /// Offset to read from next: one past the last offset returned, or the
  /// requested offset when nothing was returned.
  std::int64_t next_offset = 0;
};

/// What apply_retention removed.
struct retention_result {
  std::size_t segments_deleted = 0;
  std::uint64_t bytes_deleted = 0;
};

/// Append-only log of one partition replica: the leader assigns offsets
/// (append), followers copy the leader's (append_at). Offsets are dense and
/// contiguous across segments; [log_start_offset(), end_offset()) is readable.
///
/// Owned by one actor. Not thread-safe: every call, reads included, must come
/// from the owner (or be otherwise serialized). Move-only; a moved-from log
/// may only be destroyed or assigned to. The destructor closes the files
/// without syncing (call flush() first for a clean close).
/// No call throws or prints; errors are values naming file and position.
/// After a write or sync failure that leaves the disk state unknown, every
/// mutating call returns io_error until the log is reopened (which recovers).
class segment_log {
public:
  /// Opens the log in `dir` (created when missing; an empty dir gets a
  /// segment at offset 0). Rebuilds every index by scanning and CRC-checking
  /// all segments. In the last segment the first torn or corrupt batch and
  /// everything after it are truncated away (with a warning in the log); in
  /// any other segment such a batch, or a gap between segments, makes open
  /// fail with corrupted naming the file and position. Syncs all segments
  /// and `dir`, so flushed_offset() == end_offset() afterwards.
  static result<segment_log> open(const std::filesystem::path& dir, log_config config = {});

  segment_log(segment_log&&) noexcept = default;
  segment_log& operator=(segment_log&&) noexcept = default;
  segment_log(const segment_log&) = delete;
  segment_log& operator=(const segment_log&) = delete;
  ~segment_log() = default;

  /// Leader append: `batch` is exactly one record batch v2 with dense offsets
  /// (validate_batch with offset_rule::dense, at most max_batch_bytes). Its
  /// base offset field is ignored and stored as end_offset(). Rolls a new
  /// segment first when needed. On error (invalid_argument for a bad batch,
  /// io_error) the log's contents are unchanged, with one exception: under
  /// fsync_policy::every_batch a failed sync after a good write returns
  /// io_error with the batch written but not durable, and the log then
  /// refuses writes until reopened.
  result<append_result> append(std::string_view batch);

  /// Follower append: like append, but the batch keeps the leader's offsets,
  /// so its base offset field must equal `expected_base_offset`, which must
  /// equal end_offset(); offset gaps and empty batches (compaction) are
  /// accepted. Mismatches are invalid_argument and change nothing.
  result<append_result> append_at(std::string_view batch, std::int64_t expected_base_offset);

  /// Whole batches starting with the one containing `from_offset`, across
  /// segments, up to `max_bytes` in total but at least one batch (Kafka fetch
  /// semantics), and only batches whose last offset is below `upper_bound`
  /// (the high watermark; pass end_offset() for no bound). Empty when
  /// `from_offset` == end_offset() or the first batch reaches `upper_bound`.
  /// invalid_argument when `from_offset` is outside [log_start_offset(),
  /// end_offset()]; corrupted/io_error on a read failure.
  result<read_result> read(std::int64_t from_offset, std::size_t max_bytes,
                           std::int64_t upper_bound) const;

  /// Base offset of the first batch whose max timestamp is >= `ts`
  /// (ListOffsets); nullopt when no batch qualifies. Needs no I/O.
  std::optional<std::int64_t> offset_for_timestamp(std::int64_t ts) const;

  /// Raft truncation: removes every batch holding an offset >= `offset`,
  /// deleting later segments (newest first) and cutting the one containing
  /// it, indexes included. end_offset() becomes `offset`, or the base of the
  /// batch containing `offset` if it falls inside one. A no-op when
  /// `offset` >= end_offset(); invalid_argument when below
  /// log_start_offset(). Always synced before returning, whatever the policy.
  status truncate_to(std::int64_t offset);

  /// Deletes whole segments, oldest first, stopping at the first that does
  /// not qualify. A segment qualifies when it is not the active (last) one,
  /// all its offsets are below `high_watermark`, and either its largest
  /// timestamp is older than `now_ms - retention_ms` or the log without it
  /// still holds >= `retention_bytes`. A negative retention disables that
  /// rule. log_start_offset() is raised before each file is unlinked.
  result<retention_result> apply_retention(std::int64_t now_ms, std::int64_t retention_ms,
                                           std::int64_t retention_bytes,
                                           std::int64_t high_watermark);

  /// Syncs every segment written since the last flush, and the directory if
  /// segments were created or removed; then flushed_offset() == end_offset().
  status flush();

  /// First readable offset.
  std::int64_t log_start_offset() const noexcept { return log_start_; }
  /// Offset the next appended batch gets.
  std::int64_t end_offset() const noexcept { return segments_.back().next_offset(); }
  /// Offsets below this are durable (have been synced).
  std::int64_t flushed_offset() const noexcept { return flushed_; }
  /// Sum of the segment file sizes.
  std::uint64_t size_bytes() const noexcept;
  std::size_t segment_count() const noexcept { return segments_.size(); }
  /// Base offsets of the segments, oldest first.
  std::vector<std::int64_t> segment_base_offsets() const;
  const std::filesystem::path& dir() const noexcept { return dir_; }
  const log_config& config() const noexcept { return config_; }

private:
  segment_log(std::filesystem::path dir, log_config config, std::vector<segment> segments);

  result<append_result> append_validated(const batch_header& h, std::string_view batch);
  status roll();
  /// Index of the last segment whose base offset is <= `offset`.
  std::size_t segment_for(std::int64_t offset) const;
  /// io_error once a failure left the disk state unknown.
  status check_writable() const;
  /// Records a failure after which the log must be reopened; returns `st`.
  status fail(status st);

  std::filesystem::path dir_;
  log_config config_;
  std::vector<segment> segments_; ///< Never empty; back() is the active segment.
  std::int64_t log_start_ = 0;
  std::int64_t flushed_ = 0;
  bool dir_dirty_ = false;
  std::string broken_; ///< Non-empty: why mutating calls are refused.
};

} // namespace rivulet::state
