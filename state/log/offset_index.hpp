#pragma once

// Sparse offset index of one segment, held in memory and rebuilt from the
// .log on open. See docs/formats/segment-log.md.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace rivulet::state {

/// One entry: the batch whose base offset is `segment base + relative_offset`
/// starts at byte `position` of the segment file.
struct offset_index_entry {
  std::uint32_t relative_offset = 0;
  std::uint32_t position = 0;
};

/// Maps offsets to file positions, one entry per ~index_interval_bytes of
/// appended data. Entries strictly increase in both fields. Not thread-safe.
class offset_index {
public:
  /// Adds an entry for the batch about to be written at `position`, if at
  /// least `interval_bytes` were appended since the last entry (or since the
  /// segment start). Then counts the batch's `size_bytes`.
  void on_append(std::uint32_t relative_offset, std::uint32_t position,
                 std::uint64_t size_bytes, std::uint32_t interval_bytes) {
    if (bytes_since_entry_ >= interval_bytes) {
      entries_.push_back({relative_offset, position});
      bytes_since_entry_ = 0;
    }
    bytes_since_entry_ += size_bytes;
  }

  /// Position of the last indexed batch starting at or before
  /// `relative_offset`; 0 (the first batch) when no entry qualifies.
  std::uint32_t lookup(std::uint32_t relative_offset) const {
    auto it = std::upper_bound(entries_.begin(), entries_.end(), relative_offset,
                               [](std::uint32_t r, const offset_index_entry& e) {
                                 return r < e.relative_offset;
                               });
    return it == entries_.begin() ? 0 : std::prev(it)->position;
  }

  /// Drops entries for batches at or after `position`, the new segment size.
  /// Leaves the index as a rebuild from the truncated file would.
  void truncate_to_position(std::uint32_t position) {
    while (!entries_.empty() && entries_.back().position >= position)
      entries_.pop_back();
    bytes_since_entry_ = position - (entries_.empty() ? 0 : entries_.back().position);
  }

  const std::vector<offset_index_entry>& entries() const noexcept { return entries_; }

private:
  std::vector<offset_index_entry> entries_;
  std::uint64_t bytes_since_entry_ = 0;
};

} // namespace rivulet::state
