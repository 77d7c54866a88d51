#pragma once

// One segment of a partition log: a .log file of record batches v2 whose
// first batch has the segment's base offset, plus its in-memory indexes.
// See docs/formats/segment-log.md.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "state/log/batch_header.hpp"
#include "state/log/offset_index.hpp"
#include "state/log/segment_file.hpp"
#include "state/log/time_index.hpp"
#include "state/result.hpp"

namespace rivulet::state {

/// "<base offset, 20 digits zero padded>.log", e.g. "00000000000000000042.log".
std::string segment_file_name(std::int64_t base_offset);
/// The base offset in a segment file name; nullopt if `name` is not one.
std::optional<std::int64_t> parse_segment_file_name(std::string_view name);

/// Which batches of a segment a read returns: bytes [start, end) of the file.
struct segment_span {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::int64_t next_offset = 0; ///< One past the last offset returned.
  bool stopped = false;         ///< Hit max_bytes or the upper bound here.
};

/// A segment file plus its offset and time index. Move-only; owned by one
/// segment_log, which checks preconditions; not thread-safe.
class segment {
public:
  /// Largest relative offset and file position the 32-bit index fields hold.
  static constexpr std::int64_t max_relative_offset = 0x7fffffff;
  static constexpr std::uint64_t max_file_bytes = 0xffffffffu;

  /// Creates an empty segment file for `base_offset` in `dir`, replacing a
  /// leftover file of that name.
  static result<segment> create(const std::filesystem::path& dir, std::int64_t base_offset);

  /// Opens an existing segment and rebuilds its indexes by scanning every
  /// batch (length, magic, CRC, contiguous offsets from `base_offset`). At
  /// the first bad batch: with `repair_tail`, logs a warning and truncates
  /// the file there; without, returns corrupted naming file and position.
  static result<segment> recover(const std::filesystem::path& path, std::int64_t base_offset,
                                 bool repair_tail, std::uint32_t index_interval_bytes);

  std::int64_t base_offset() const noexcept { return base_; }
  /// Base offset the next batch appended here gets.
  std::int64_t next_offset() const noexcept { return next_; }
  std::uint64_t size_bytes() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  /// Largest batch max timestamp; nullopt when empty.
  std::optional<std::int64_t> max_timestamp() const { return time_index_.max_timestamp(); }
  const std::filesystem::path& path() const noexcept { return file_.path(); }
  /// Whether data was written or truncated since the last sync().
  bool dirty() const noexcept { return dirty_; }
  /// True after a failed append could not be rolled back: the file may hold
  /// a partial batch and the segment must not be written again.
  bool damaged() const noexcept { return damaged_; }

  /// Whether a batch of `size_bytes` ending at offset `last_offset` fits the
  /// 32-bit relative offset and position fields of this segment.
  bool can_hold(std::uint64_t size_bytes, std::int64_t last_offset) const noexcept {
    return last_offset - base_ <= max_relative_offset && size_ + size_bytes <= max_file_bytes;
  }

  /// Writes the validated batch `bytes` (header `h`, h.base_offset ==
  /// next_offset(), can_hold() true) at the end, with h.base_offset in place
  /// of its first 8 bytes. On failure the file is cut back to its old size.
  status append(const batch_header& h, std::string_view bytes, std::uint32_t index_interval_bytes);

  /// Batches for a read from `from_offset` (>= base_offset()): starting with
  /// the batch containing it, ending before the first batch whose last offset
  /// is >= `upper_bound`, and within `budget_bytes` except that the first
  /// batch is taken regardless when `take_first`.
  result<segment_span> select(std::int64_t from_offset, std::int64_t upper_bound,
                              std::uint64_t budget_bytes, bool take_first) const;
  /// Appends bytes [span.start, span.end) of the file to `out`.
  status read(const segment_span& span, std::string& out) const;

  /// Base offset of the first batch whose max timestamp is >= `ts`.
  std::optional<std::int64_t> offset_for_timestamp(std::int64_t ts) const;

  /// Removes the batch containing `offset` (base_offset() <= offset <
  /// next_offset()) and all after it; next_offset() becomes that batch's base.
  status truncate_to(std::int64_t offset);

  /// fdatasync if dirty().
  status sync();

private:
  segment(segment_file file, std::int64_t base_offset) noexcept;

  /// The header of the batch at `pos`, checked to lie inside the file.
  result<batch_header> header_at(std::uint64_t pos) const;
  /// Position of the first batch whose last offset is >= `offset`, and its header.
  result<std::pair<std::uint64_t, batch_header>> find(std::int64_t offset) const;
  void index(const batch_header& h, std::uint64_t pos, std::uint32_t index_interval_bytes);

  segment_file file_;
  std::int64_t base_ = 0;
  std::int64_t next_ = 0;
  std::uint64_t size_ = 0;
  offset_index offset_index_;
  time_index time_index_;
  bool dirty_ = false;
  bool damaged_ = false;
};

} // namespace rivulet::state
