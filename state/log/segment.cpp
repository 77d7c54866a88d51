#include "state/log/segment.hpp"

#include <cstdio>
#include <utility>
#include <vector>

#include "runtime/log.hpp"

namespace rivulet::state {

namespace layout = batch_format::layout;

std::string segment_file_name(std::int64_t base_offset) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld.log", static_cast<long long>(base_offset));
  return buf;
}

std::optional<std::int64_t> parse_segment_file_name(std::string_view name) {
  constexpr std::size_t digits = 20;
  if (name.size() != digits + 4 || name.substr(digits) != ".log")
    return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (name[i] < '0' || name[i] > '9')
      return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(name[i] - '0');
    if (v > static_cast<std::uint64_t>(INT64_MAX))
      return std::nullopt;
  }
  return static_cast<std::int64_t>(v);
}

segment::segment(segment_file file, std::int64_t base_offset) noexcept
  : file_(std::move(file)), base_(base_offset), next_(base_offset) {
}

result<segment> segment::create(const std::filesystem::path& dir, std::int64_t base_offset) {
  auto file = segment_file::open(dir / segment_file_name(base_offset), true);
  if (!file)
    return file.error();
  if (auto st = file->truncate(0); !st)
    return st;
  segment s{std::move(file).value(), base_offset};
  s.dirty_ = true;
  return s;
}

void segment::index(const batch_header& h, std::uint64_t pos, std::uint32_t index_interval_bytes) {
  auto rel = static_cast<std::uint32_t>(h.base_offset - base_);
  offset_index_.on_append(rel, static_cast<std::uint32_t>(pos), h.size(), index_interval_bytes);
  time_index_.on_append(h.max_timestamp, rel);
  next_ = h.last_offset() + 1;
  size_ = pos + h.size();
}

result<segment> segment::recover(const std::filesystem::path& path, std::int64_t base_offset,
                                 bool repair_tail, std::uint32_t index_interval_bytes) {
  auto file = segment_file::open(path, false);
  if (!file)
    return file.error();
  auto file_size = file->size();
  if (!file_size)
    return file_size.error();
  segment s{std::move(file).value(), base_offset};
  std::vector<char> buf;
  std::uint64_t pos = 0;
  while (pos < *file_size) {
    std::string problem;
    auto left = *file_size - pos;
    batch_header h;
    if (left < layout::log_overhead) {
      problem = std::to_string(left) + " trailing bytes, shorter than a batch's length prefix";
    } else {
      char prefix[layout::log_overhead];
      if (auto st = s.file_.read_at(pos, prefix, sizeof prefix); !st)
        return st;
      buf.assign(layout::header_size, 0);
      std::copy(prefix, prefix + sizeof prefix, buf.begin());
      h = decode_batch_header(buf.data());
      if (h.batch_length < static_cast<std::int32_t>(layout::header_size - layout::log_overhead))
        problem = "batch_length " + std::to_string(h.batch_length) + " is below the v2 minimum";
      else if (h.size() > left)
        problem = "batch of " + std::to_string(h.size()) + " bytes runs past the end of the file ("
                  + std::to_string(left) + " bytes left)";
    }
    if (problem.empty()) {
      buf.resize(h.size());
      if (auto st = s.file_.read_at(pos, buf.data(), buf.size()); !st)
        return st;
      auto checked = validate_batch({buf.data(), buf.size()}, offset_rule::gaps_allowed);
      if (!checked)
        problem = checked.error().message();
      else if ((h = *checked).base_offset != s.next_)
        problem = "base offset " + std::to_string(h.base_offset) + ", expected "
                  + std::to_string(s.next_);
      else if (!s.can_hold(h.size(), h.last_offset()))
        problem = "batch does not fit the segment's 32-bit relative offsets or positions";
    }
    if (!problem.empty()) {
      if (!repair_tail)
        return status{errc::corrupted, "segment '" + path.string() + "' position "
                                         + std::to_string(pos) + " (offset "
                                         + std::to_string(s.next_) + "): " + problem};
      RIVULET_LOG(log_level::warn, "log",
                  "segment '" << path.string() << "': truncating " << left
                              << " bytes of torn or corrupt tail at position " << pos
                              << " (offset " << s.next_ << "): " << problem);
      if (auto st = s.file_.truncate(pos); !st)
        return st;
      s.dirty_ = true;
      break;
    }
    s.index(h, pos, index_interval_bytes);
    pos += h.size();
  }
  s.dirty_ = true;
  return s;
}

status segment::append(const batch_header& h, std::string_view bytes,
                       std::uint32_t index_interval_bytes) {
  char base[8];
  encode_base_offset(base, h.base_offset);
  auto st = file_.write_at(size_, {base, sizeof base}, bytes.substr(sizeof base));
  if (!st) {
    if (auto undo = file_.truncate(size_); !undo) {
      damaged_ = true;
      return status{st.code(), st.message() + "; cutting back the partial write failed too: "
                                 + undo.message()};
    }
    return st;
  }
  dirty_ = true;
  index(h, size_, index_interval_bytes);
  return {};
}

result<batch_header> segment::header_at(std::uint64_t pos) const {
  char buf[layout::header_size];
  if (auto st = file_.read_at(pos, buf, sizeof buf); !st)
    return st;
  auto h = decode_batch_header(buf);
  // Appends and recovery validated every batch; this guards against the file
  // changing underneath us, so a scan can never loop or run off the end.
  if (h.batch_length < static_cast<std::int32_t>(layout::header_size - layout::log_overhead)
      || pos + h.size() > size_)
    return status{errc::corrupted, "segment '" + path().string() + "' position "
                                     + std::to_string(pos) + ": batch_length "
                                     + std::to_string(h.batch_length) + " changed on disk"};
  return h;
}

result<std::pair<std::uint64_t, batch_header>> segment::find(std::int64_t offset) const {
  auto rel = offset <= base_ ? 0 : offset - base_;
  std::uint64_t pos = offset_index_.lookup(static_cast<std::uint32_t>(rel));
  while (pos < size_) {
    auto h = header_at(pos);
    if (!h)
      return h.error();
    if (h->last_offset() >= offset)
      return std::make_pair(pos, *h);
    pos += h->size();
  }
  return std::make_pair(size_, batch_header{});
}

result<segment_span> segment::select(std::int64_t from_offset, std::int64_t upper_bound,
                                     std::uint64_t budget_bytes, bool take_first) const {
  auto first = find(from_offset);
  if (!first)
    return first.error();
  segment_span span;
  span.start = span.end = first->first;
  span.next_offset = from_offset;
  while (span.end < size_) {
    auto h = header_at(span.end);
    if (!h)
      return h.error();
    bool first_batch = take_first && span.end == span.start;
    if (h->last_offset() >= upper_bound
        || (span.end - span.start + h->size() > budget_bytes && !first_batch)) {
      span.stopped = true;
      break;
    }
    span.end += h->size();
    span.next_offset = h->last_offset() + 1;
  }
  return span;
}

status segment::read(const segment_span& span, std::string& out) const {
  auto old = out.size();
  out.resize(old + (span.end - span.start));
  return file_.read_at(span.start, out.data() + old, span.end - span.start);
}

std::optional<std::int64_t> segment::offset_for_timestamp(std::int64_t ts) const {
  auto rel = time_index_.lookup(ts);
  if (!rel)
    return std::nullopt;
  return base_ + *rel;
}

status segment::truncate_to(std::int64_t offset) {
  auto at = find(offset);
  if (!at)
    return at.error();
  auto [pos, h] = *at;
  if (pos >= size_)
    return {};
  if (auto st = file_.truncate(pos); !st)
    return st;
  dirty_ = true;
  size_ = pos;
  next_ = h.base_offset;
  offset_index_.truncate_to_position(static_cast<std::uint32_t>(pos));
  time_index_.truncate_to_offset(static_cast<std::uint32_t>(h.base_offset - base_));
  return {};
}

status segment::sync() {
  if (!dirty_)
    return {};
  if (auto st = file_.sync(); !st)
    return st;
  dirty_ = false;
  return {};
}

} // namespace rivulet::state
