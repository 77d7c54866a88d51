#include "state/log/segment_log.hpp"

#include <algorithm>
#include <system_error>
#include <utility>

#include "state/log/batch_header.hpp"

namespace rivulet::state {

namespace fs = std::filesystem;

segment_log::segment_log(fs::path dir, log_config config, std::vector<segment> segments)
  : dir_(std::move(dir)), config_(config), segments_(std::move(segments)) {
  log_start_ = segments_.front().base_offset();
}

result<segment_log> segment_log::open(const fs::path& dir, log_config config) {
  if (auto st = validate(config); !st)
    return st;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return status{errc::io_error, "create log directory '" + dir.string() + "': " + ec.message()};
  std::vector<std::int64_t> bases;
  for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
    if (auto base = parse_segment_file_name(it->path().filename().string()))
      bases.push_back(*base);
  }
  if (ec)
    return status{errc::io_error, "list log directory '" + dir.string() + "': " + ec.message()};
  std::sort(bases.begin(), bases.end());

  std::vector<segment> segments;
  for (std::size_t i = 0; i < bases.size(); ++i) {
    auto path = dir / segment_file_name(bases[i]);
    bool last = i + 1 == bases.size();
    auto seg = segment::recover(path, bases[i], last, config.index_interval_bytes);
    if (!seg)
      return seg.error();
    if (!segments.empty() && segments.back().next_offset() != bases[i])
      return status{errc::corrupted, "segment '" + segments.back().path().string()
                                       + "' ends at offset "
                                       + std::to_string(segments.back().next_offset())
                                       + " but the next segment '" + path.string()
                                       + "' starts at " + std::to_string(bases[i])};
    segments.push_back(std::move(seg).value());
  }
  if (segments.empty()) {
    auto seg = segment::create(dir, 0);
    if (!seg)
      return seg.error();
    segments.push_back(std::move(seg).value());
  }
  segment_log log{dir, config, std::move(segments)};
  // What recovery found may sit only in the page cache (the previous process
  // died before syncing): recovered segments start dirty, so this flush makes
  // everything durable and flushed_offset() can start at the end.
  log.dir_dirty_ = true;
  if (auto st = log.flush(); !st)
    return st;
  return log;
}

std::uint64_t segment_log::size_bytes() const noexcept {
  std::uint64_t total = 0;
  for (auto& s : segments_)
    total += s.size_bytes();
  return total;
}

std::vector<std::int64_t> segment_log::segment_base_offsets() const {
  std::vector<std::int64_t> out;
  for (auto& s : segments_)
    out.push_back(s.base_offset());
  return out;
}

status segment_log::check_writable() const {
  if (!broken_.empty())
    return status{errc::io_error, "log '" + dir_.string() + "' needs reopening after: " + broken_};
  return {};
}

status segment_log::fail(status st) {
  broken_ = st.message();
  return st;
}

result<append_result> segment_log::append(std::string_view batch) {
  if (batch.size() > config_.max_batch_bytes)
    return status{errc::invalid_argument, "record batch of " + std::to_string(batch.size())
                                            + " bytes exceeds max_batch_bytes "
                                            + std::to_string(config_.max_batch_bytes)};
  auto h = validate_batch(batch, offset_rule::dense);
  if (!h)
    return h.error();
  h->base_offset = end_offset();
  return append_validated(*h, batch);
}

result<append_result> segment_log::append_at(std::string_view batch,
                                             std::int64_t expected_base_offset) {
  if (batch.size() > config_.max_batch_bytes)
    return status{errc::invalid_argument, "record batch of " + std::to_string(batch.size())
                                            + " bytes exceeds max_batch_bytes "
                                            + std::to_string(config_.max_batch_bytes)};
  auto h = validate_batch(batch, offset_rule::gaps_allowed);
  if (!h)
    return h.error();
  if (expected_base_offset != end_offset() || h->base_offset != expected_base_offset)
    return status{errc::invalid_argument,
                  "append_at: batch base offset " + std::to_string(h->base_offset)
                    + ", expected " + std::to_string(expected_base_offset) + ", log end offset "
                    + std::to_string(end_offset())};
  return append_validated(*h, batch);
}

result<append_result> segment_log::append_validated(const batch_header& h,
                                                    std::string_view batch) {
  if (auto st = check_writable(); !st)
    return st;
  auto& active = segments_.back();
  if (!active.empty()
      && (active.size_bytes() + h.size() > config_.segment_bytes
          || !active.can_hold(h.size(), h.last_offset()))) {
    if (auto st = roll(); !st)
      return st;
  }
  auto& target = segments_.back();
  if (auto st = target.append(h, batch, config_.index_interval_bytes); !st)
    return target.damaged() ? fail(st) : st;
  if (config_.fsync == fsync_policy::every_batch) {
    if (auto st = flush(); !st)
      return st;
  }
  return append_result{h.base_offset, h.last_offset()};
}

status segment_log::roll() {
  auto seg = segment::create(dir_, end_offset());
  if (!seg)
    return seg.error();
  segments_.push_back(std::move(seg).value());
  dir_dirty_ = true;
  return {};
}

std::size_t segment_log::segment_for(std::int64_t offset) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                             [](std::int64_t o, const segment& s) { return o < s.base_offset(); });
  return it == segments_.begin() ? 0 : static_cast<std::size_t>(it - segments_.begin()) - 1;
}

result<read_result> segment_log::read(std::int64_t from_offset, std::size_t max_bytes,
                                      std::int64_t upper_bound) const {
  if (from_offset < log_start_ || from_offset > end_offset())
    return status{errc::invalid_argument, "read offset " + std::to_string(from_offset)
                                            + " is outside the log's range ["
                                            + std::to_string(log_start_) + ", "
                                            + std::to_string(end_offset()) + "]"};
  read_result out;
  out.next_offset = from_offset;
  std::uint64_t budget = max_bytes;
  bool take_first = true;
  for (auto i = segment_for(from_offset); i < segments_.size(); ++i) {
    auto span = segments_[i].select(from_offset, upper_bound, budget, take_first);
    if (!span)
      return span.error();
    if (span->end > span->start) {
      if (auto st = segments_[i].read(*span, out.bytes); !st)
        return st;
      auto taken = span->end - span->start;
      budget = taken >= budget ? 0 : budget - taken;
      take_first = false;
      out.next_offset = span->next_offset;
    }
    if (span->stopped)
      break;
  }
  return out;
}

std::optional<std::int64_t> segment_log::offset_for_timestamp(std::int64_t ts) const {
  // Segment maxima need not increase (producers may send old timestamps), so
  // look at each segment; the first that qualifies holds the answer.
  for (auto& s : segments_) {
    if (auto max = s.max_timestamp(); max && *max >= ts)
      return s.offset_for_timestamp(ts);
  }
  return std::nullopt;
}

status segment_log::truncate_to(std::int64_t offset) {
  if (auto st = check_writable(); !st)
    return st;
  if (offset < log_start_)
    return status{errc::invalid_argument, "truncate_to(" + std::to_string(offset)
                                            + ") is below the log start offset "
                                            + std::to_string(log_start_)};
  if (offset >= end_offset())
    return {};
  // Newest first, so that a crash part-way leaves a contiguous prefix.
  while (segments_.size() > 1 && segments_.back().base_offset() >= offset) {
    if (auto st = remove_file(segments_.back().path()); !st)
      return st;
    segments_.pop_back();
    dir_dirty_ = true;
  }
  if (auto st = segments_.back().truncate_to(offset); !st)
    return fail(st);
  flushed_ = std::min(flushed_, end_offset());
  // Data past a raft divergence must not come back after a machine crash.
  if (auto st = segments_.back().sync(); !st)
    return fail(st);
  if (dir_dirty_) {
    if (auto st = sync_directory(dir_); !st)
      return fail(st);
    dir_dirty_ = false;
  }
  return {};
}

result<retention_result> segment_log::apply_retention(std::int64_t now_ms,
                                                      std::int64_t retention_ms,
                                                      std::int64_t retention_bytes,
                                                      std::int64_t high_watermark) {
  if (auto st = check_writable(); !st)
    return st;
  retention_result out;
  auto total = size_bytes();
  while (segments_.size() > 1) {
    auto& oldest = segments_.front();
    // The next segment's base is one past this segment's last offset.
    if (segments_[1].base_offset() > high_watermark)
      break;
    auto max_ts = oldest.max_timestamp();
    bool by_time = retention_ms >= 0 && max_ts && now_ms >= retention_ms
                   && *max_ts < now_ms - retention_ms;
    bool by_size = retention_bytes >= 0
                   && total - oldest.size_bytes() >= static_cast<std::uint64_t>(retention_bytes);
    if (!by_time && !by_size)
      break;
    // Readers check log_start_ first, so nobody asks for the file we unlink.
    log_start_ = segments_[1].base_offset();
    if (auto st = remove_file(oldest.path()); !st)
      return st;
    total -= oldest.size_bytes();
    out.bytes_deleted += oldest.size_bytes();
    ++out.segments_deleted;
    segments_.erase(segments_.begin());
    dir_dirty_ = true;
  }
  if (out.segments_deleted > 0 && config_.fsync == fsync_policy::every_batch) {
    if (auto st = flush(); !st)
      return st;
  }
  return out;
}

status segment_log::flush() {
  if (auto st = check_writable(); !st)
    return st;
  // A failed fsync may have dropped dirty pages (Linux marks them clean), so
  // a retry could falsely succeed: refuse further writes until reopened.
  for (auto& s : segments_) {
    if (auto st = s.sync(); !st)
      return fail(st);
  }
  if (dir_dirty_) {
    if (auto st = sync_directory(dir_); !st)
      return fail(st);
    dir_dirty_ = false;
  }
  flushed_ = end_offset();
  return {};
}

} // namespace rivulet::state
