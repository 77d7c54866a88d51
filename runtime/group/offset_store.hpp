#pragma once

// Committed offsets of one consumer group, and the records that persist
// them. The record format is documented in runtime/group/README.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/group/group_types.hpp"

namespace rivulet::group {

/// A committed position of the group in one partition.
struct committed_offset {
  std::int64_t offset = -1;
  /// Client-supplied text stored with the offset (OffsetCommit's metadata).
  std::optional<std::string> metadata;
  std::int64_t commit_time_ms = 0;

  friend bool operator==(const committed_offset& a, const committed_offset& b) {
    return a.offset == b.offset && a.metadata == b.metadata
           && a.commit_time_ms == b.commit_time_ms;
  }
  friend bool operator!=(const committed_offset& a, const committed_offset& b) {
    return !(a == b);
  }
};

/// One record for the coordinator's internal topic. `value` absent is a
/// tombstone: replaying it deletes the key.
struct coordinator_record {
  bytes key;
  std::optional<bytes> value;

  friend bool operator==(const coordinator_record& a, const coordinator_record& b) {
    return a.key == b.key && a.value == b.value;
  }
};

/// A decoded offset-commit record: which group and partition, and the
/// committed offset (absent for a tombstone).
struct offset_record {
  std::string group_id;
  topic_partition tp;
  std::optional<committed_offset> value;
};

/// Encodes the record that stores `value` for (group_id, tp); `value`
/// absent encodes a tombstone.
coordinator_record encode_offset_record(const std::string& group_id, const topic_partition& tp,
                                        const std::optional<committed_offset>& value);

/// Decodes a record written by encode_offset_record. Fails on an unknown
/// record type or version, truncation, or trailing bytes.
decode_result<offset_record> decode_offset_record(const coordinator_record& r);

/// The committed offsets of one group, keyed by partition. Mutated by the
/// owning group_coordinator (commit/remove) or by replaying records on load.
/// Not thread safe.
class offset_store {
public:
  explicit offset_store(std::string group_id) : group_id_(std::move(group_id)) {
  }

  /// Stores `value` for `tp` and returns the record that persists it.
  coordinator_record commit(const topic_partition& tp, committed_offset value);
  /// Deletes `tp`'s offset; returns its tombstone, or nothing if none was stored.
  std::optional<coordinator_record> remove(const topic_partition& tp);
  /// Applies a record read back from the internal topic: a commit stores,
  /// a tombstone deletes. Records of another group are refused with an
  /// error and change nothing. Replaying a log in order rebuilds the state.
  decode_result<offset_record> replay(const coordinator_record& r);

  /// The offset committed for `tp`, if any.
  std::optional<committed_offset> get(const topic_partition& tp) const;
  /// All committed offsets, ordered by partition.
  const std::map<topic_partition, committed_offset>& all() const noexcept { return offsets_; }
  const std::string& group_id() const noexcept { return group_id_; }

private:
  std::string group_id_;
  std::map<topic_partition, committed_offset> offsets_;
};

} // namespace rivulet::group
