#pragma once

// Settings of one partition log (segment_log). See docs/formats/segment-log.md.

#include <cstdint>

#include "state/result.hpp"

namespace rivulet::state {

/// When segment_log makes appended data durable (fsync). Whatever the
/// policy, an append that returned is visible to read() at once and survives
/// a crash of the process (it is in the OS page cache); the policy decides
/// what survives a crash of the machine.
enum class fsync_policy {
  /// append() syncs the segment before it returns: an acknowledged batch is
  /// durable. Slowest; flushed_offset() == end_offset() after every append.
  every_batch,
  /// append() does not sync; the owner calls flush() on a timer (or before
  /// acknowledging to a raft leader). Only offsets below flushed_offset() are
  /// durable; a machine crash may lose the rest.
  interval,
  /// The log never syncs on its own; durability comes from replication and
  /// OS write-back. An explicit flush() still syncs (e.g. before shutdown).
  never,
};

/// Settings of one segment_log; validated by segment_log::open.
struct log_config {
  /// A segment that holds data rolls when the next batch would make it larger
  /// than this. Range [61, 2^31]; a single larger batch gets a segment alone.
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;
  /// Bytes appended to a segment between two sparse offset-index entries.
  /// At least 1; smaller means a larger index and shorter scans on read.
  std::uint32_t index_interval_bytes = 4096;
  /// append() rejects larger batches. Range [61, 2^30]. Recovery accepts any
  /// batch found on disk, so lowering this does not make old data corrupt.
  std::uint32_t max_batch_bytes = std::uint32_t{8} << 20;
  fsync_policy fsync = fsync_policy::interval;
};

/// Ok, or invalid_argument naming the first setting out of range.
status validate(const log_config& config);

} // namespace rivulet::state
