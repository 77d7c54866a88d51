#pragma once

// Time index of one segment, held in memory and rebuilt from the .log on
// open. See docs/formats/segment-log.md.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace rivulet::state {

/// One entry: the batch at `segment base + relative_offset` raised the
/// segment's largest timestamp to `max_timestamp`.
struct time_index_entry {
  std::int64_t max_timestamp = 0;
  std::uint32_t relative_offset = 0;
};

/// Entries are appended only when a batch's max timestamp exceeds every
/// earlier one, so both fields strictly increase even when producers send
/// timestamps out of order. Because every growth is recorded (not sparse),
/// the first entry with max_timestamp >= t names exactly the first batch
/// whose max timestamp is >= t. Not thread-safe.
class time_index {
public:
  /// Records the batch at `relative_offset` with `max_timestamp`.
  void on_append(std::int64_t max_timestamp, std::uint32_t relative_offset) {
    if (entries_.empty() || max_timestamp > entries_.back().max_timestamp)
      entries_.push_back({max_timestamp, relative_offset});
  }

  /// Relative base offset of the first batch with max timestamp >= `ts`.
  std::optional<std::uint32_t> lookup(std::int64_t ts) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), ts,
                               [](const time_index_entry& e, std::int64_t t) {
                                 return e.max_timestamp < t;
                               });
    if (it == entries_.end())
      return std::nullopt;
    return it->relative_offset;
  }

  /// Drops entries of batches at or after `relative_offset`.
  void truncate_to_offset(std::uint32_t relative_offset) {
    while (!entries_.empty() && entries_.back().relative_offset >= relative_offset)
      entries_.pop_back();
  }

  /// Largest batch max timestamp in the segment; nullopt when it is empty.
  std::optional<std::int64_t> max_timestamp() const {
    if (entries_.empty())
      return std::nullopt;
    return entries_.back().max_timestamp;
  }

  const std::vector<time_index_entry>& entries() const noexcept { return entries_; }

private:
  std::vector<time_index_entry> entries_;
};

} // namespace rivulet::state
