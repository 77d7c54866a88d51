#include "state/log/raft_segment_storage.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <utility>

#include "runtime/crc32c.hpp"
#include "runtime/record_batch_layout.hpp"
#include "state/log/batch_header.hpp"

namespace rivulet::state {

namespace layout = batch_format::layout;
using raft::entry_kind;
using raft::log_entry;
using raft::log_index;
using raft::term_id;

namespace {

// Misuse by the caller, or a state the void interface cannot report.
void require(bool ok) {
  if (!ok)
    std::abort();
}

void put_be(char* p, std::uint64_t v, int n) noexcept {
  for (int i = n - 1; i >= 0; --i, v >>= 8)
    p[i] = static_cast<char>(v & 0xff);
}

std::uint64_t load_be(const char* p, int n) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// The one record of a no-op batch, Kafka record v2 encoding: length 10
// (zigzag varint 0x14), attributes 0, timestamp delta 0, offset delta 0, key
// length 4 (0x08), key = int16 version 0 + int16 type 0x7276, value length -1
// (null, 0x01), 0 headers.
constexpr char noop_record[] = {0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00,
                                0x72, 0x76, 0x01, 0x00};
static_assert(raft_noop_control_version == 0 && raft_noop_control_type == 0x7276,
              "noop_record encodes this key");
constexpr std::size_t noop_size = layout::records + sizeof noop_record;

std::int32_t leader_epoch_of(const char* batch) noexcept {
  return static_cast<std::int32_t>(load_be(batch + layout::partition_leader_epoch, 4));
}

void require_epoch_fits(term_id term) {
  require(term.value >= 1 && term.value <= std::numeric_limits<std::int32_t>::max());
}

std::size_t entry_bytes(const raft_batch_position& p) {
  // entry_size_bytes() of the log_entry entries() would return.
  return (p.kind == entry_kind::noop ? 0 : p.size_bytes) + 32;
}

} // namespace

std::string raft_noop_batch(term_id term) {
  require_epoch_fits(term);
  std::string b(noop_size, '\0');
  char* p = b.data();
  put_be(p + layout::batch_length, noop_size - layout::log_overhead, 4);
  put_be(p + layout::partition_leader_epoch, term.value, 4);
  p[layout::magic] = batch_format::magic;
  put_be(p + layout::attributes, static_cast<std::uint16_t>(batch_format::attr::control), 2);
  put_be(p + layout::last_offset_delta, 0, 4);
  put_be(p + layout::base_timestamp, ~std::uint64_t{0}, 8);
  put_be(p + layout::max_timestamp, ~std::uint64_t{0}, 8);
  put_be(p + layout::producer_id, ~std::uint64_t{0}, 8);
  put_be(p + layout::producer_epoch, 0xffff, 2);
  put_be(p + layout::base_sequence, 0xffffffff, 4);
  put_be(p + layout::records_count, 1, 4);
  std::copy(std::begin(noop_record), std::end(noop_record), p + layout::records);
  put_be(p + layout::crc, crc32c(p + layout::attributes, noop_size - layout::attributes), 4);
  return b;
}

bool is_raft_noop_batch(std::string_view batch) noexcept {
  if (batch.size() != noop_size)
    return false;
  // Everything but base offset, leader epoch and CRC must be ours; the CRC
  // is checked by the log on append and open.
  static const std::string reference = raft_noop_batch(term_id{1});
  return batch.substr(layout::magic, 1) == reference.substr(layout::magic, 1)
         && batch.substr(layout::attributes) == reference.substr(layout::attributes);
}

result<raft_segment_storage> raft_segment_storage::open(segment_log log) {
  raft_segment_storage s{std::move(log)};
  if (auto st = s.rebuild(); !st)
    return st;
  return s;
}

result<raft_segment_storage> raft_segment_storage::open(const std::filesystem::path& dir,
                                                        log_config config) {
  auto log = segment_log::open(dir, config);
  if (!log)
    return log.error();
  return open(std::move(log).value());
}

status raft_segment_storage::rebuild() {
  auto where = [&](std::int64_t offset) {
    return log_.dir().string() + " offset " + std::to_string(offset);
  };
  if (log_.log_start_offset() != 0)
    return {errc::corrupted, log_.dir().string() + ": log starts at offset "
                               + std::to_string(log_.log_start_offset())
                               + ", not 0: retention removed raft entries"};
  table_.clear();
  constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
  std::int64_t next = 0;
  while (next < log_.end_offset()) {
    auto r = log_.read(next, chunk_bytes, log_.end_offset());
    if (!r)
      return r.error();
    const std::string& bytes = r->bytes;
    for (std::size_t pos = 0; pos < bytes.size();) {
      // The log CRC-checked every batch on open; only raft rules remain.
      auto h = decode_batch_header(bytes.data() + pos);
      std::int32_t epoch = leader_epoch_of(bytes.data() + pos);
      if (epoch < 1)
        return {errc::corrupted, where(h.base_offset) + ": leader epoch "
                                   + std::to_string(epoch) + " is not a raft term"};
      term_id term{static_cast<std::uint64_t>(epoch)};
      if (!table_.empty() && term < table_.back().term)
        return {errc::corrupted, where(h.base_offset) + ": term " + std::to_string(epoch)
                                   + " is lower than the previous entry's "
                                   + std::to_string(table_.back().term.value)};
      auto kind = is_raft_noop_batch(std::string_view(bytes).substr(pos, h.size()))
                    ? entry_kind::noop
                    : entry_kind::normal;
      table_.push_back({h.base_offset, h.last_offset(), term,
                        static_cast<std::uint32_t>(h.size()), kind});
      pos += h.size();
    }
    require(r->next_offset > next);
    next = r->next_offset;
  }
  return {};
}

void raft_segment_storage::append(const std::vector<log_entry>& entries) {
  for (const auto& e : entries) {
    if (!error_.ok())
      return; // the replica must be reopened; see the class comment
    require(e.index == last_index().next());
    require_epoch_fits(e.term);
    require(table_.empty() || e.term >= table_.back().term);
    append_one(e);
  }
}

void raft_segment_storage::append_one(const log_entry& e) {
  std::string batch;
  if (e.kind == entry_kind::noop) {
    batch = raft_noop_batch(e.term);
  } else {
    if (e.payload.size() < layout::header_size || is_raft_noop_batch(e.payload)) {
      // A payload shaped like our no-op would read back as one.
      record({errc::invalid_argument, "raft entry " + std::to_string(e.index.value)
                                        + ": payload is not a data record batch"});
      return;
    }
    batch = e.payload;
    put_be(batch.data() + layout::partition_leader_epoch, e.term.value, 4);
  }
  auto before = log_.end_offset();
  auto r = log_.append(batch);
  if (!r) {
    // Under every_batch a failed sync leaves the batch written but not
    // durable; keep the table describing what the log holds.
    if (log_.end_offset() != before)
      table_.push_back({before, log_.end_offset() - 1, e.term,
                        static_cast<std::uint32_t>(batch.size()), e.kind});
    record(r.error());
    return;
  }
  table_.push_back({r->base_offset, r->last_offset, e.term,
                    static_cast<std::uint32_t>(batch.size()), e.kind});
}

void raft_segment_storage::truncate_suffix(log_index from) {
  require(from.value >= 1);
  if (!error_.ok() || from.value > table_.size())
    return;
  if (auto st = log_.truncate_to(table_[from.value - 1].base_offset); !st) {
    // The log may be cut part way (segments go newest first); it refuses
    // writes until reopened, and reopening rebuilds the table.
    record(std::move(st));
    return;
  }
  table_.resize(from.value - 1);
}

std::optional<term_id> raft_segment_storage::term_at(log_index index) const {
  if (index.value == 0)
    return term_id{0};
  if (index.value > table_.size())
    return std::nullopt;
  return table_[index.value - 1].term;
}

std::vector<log_entry> raft_segment_storage::entries(log_index from, log_index to,
                                                     std::size_t max_bytes) const {
  require(from.value >= 1 && to.value <= table_.size());
  std::vector<log_entry> out;
  if (from > to)
    return out;
  // Decide the count from the table, then read exactly those batches.
  std::size_t count = 0, budget = 0, read_bytes = 0;
  for (auto i = from.value; i <= to.value; ++i) {
    const auto& p = table_[i - 1];
    budget += entry_bytes(p);
    if (count > 0 && budget > max_bytes)
      break;
    ++count;
    read_bytes += p.size_bytes;
  }
  const auto& first = table_[from.value - 1];
  const auto& last = table_[from.value - 1 + count - 1];
  auto r = log_.read(first.base_offset, read_bytes, last.last_offset + 1);
  // No entry to return means raft_log would dereference an empty result.
  require(r.ok());
  const std::string& bytes = r->bytes;
  out.reserve(count);
  std::size_t pos = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const auto& p = table_[from.value - 1 + k];
    require(pos + layout::header_size <= bytes.size());
    auto h = decode_batch_header(bytes.data() + pos);
    require(h.base_offset == p.base_offset && h.size() == p.size_bytes);
    log_entry e{p.term, log_index{from.value + k}, p.kind, {}};
    if (p.kind == entry_kind::normal)
      e.payload.assign(bytes, pos, h.size());
    out.push_back(std::move(e));
    pos += h.size();
  }
  return out;
}

std::optional<std::int64_t>
raft_segment_storage::high_watermark_offset(log_index commit_index) const {
  if (commit_index.value == 0)
    return 0;
  if (commit_index.value > table_.size())
    return std::nullopt;
  return table_[commit_index.value - 1].last_offset + 1;
}

std::optional<log_index> raft_segment_storage::entry_for_offset(std::int64_t offset) const {
  auto it = std::lower_bound(table_.begin(), table_.end(), offset,
                             [](const raft_batch_position& p, std::int64_t o) {
                               return p.last_offset < o;
                             });
  if (it == table_.end() || offset < it->base_offset)
    return std::nullopt;
  return log_index{static_cast<std::uint64_t>(it - table_.begin()) + 1};
}

std::optional<raft_batch_position> raft_segment_storage::position(log_index index) const {
  if (index.value == 0 || index.value > table_.size())
    return std::nullopt;
  return table_[index.value - 1];
}

status raft_segment_storage::flush() {
  auto st = log_.flush();
  if (!st)
    record(st);
  return st;
}

void raft_segment_storage::record(status st) {
  if (error_.ok())
    error_ = std::move(st);
}

} // namespace rivulet::state
