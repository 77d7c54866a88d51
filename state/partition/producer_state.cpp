#include "state/partition/producer_state.hpp"

#include <algorithm>
#include <limits>

#include "runtime/record_batch_layout.hpp"
#include "state/log/raft_segment_storage.hpp"
#include "state/partition/log_scan.hpp"
#include "state/partition/txn_state.hpp"

namespace rivulet::state {

namespace {

constexpr std::int32_t max_sequence = std::numeric_limits<std::int32_t>::max();

// Kafka's DefaultRecordBatch.incrementSequence: sequences wrap to 0.
std::int32_t add_sequence(std::int32_t seq, std::int32_t increment) noexcept {
  if (seq > max_sequence - increment)
    return increment - (max_sequence - seq) - 1;
  return seq + increment;
}

std::string describe(const producer_batch& b) {
  return "producer " + std::to_string(b.producer_id) + " epoch " + std::to_string(b.epoch)
         + " sequences " + std::to_string(b.first_seq) + "-" + std::to_string(b.last_seq);
}

producer_check reject(producer_verdict v, std::string reason) {
  return producer_check{v, std::nullopt, std::move(reason)};
}

} // namespace

producer_batch producer_batch::of(const batch_header& h) noexcept {
  producer_batch b;
  b.producer_id = h.producer_id;
  b.epoch = h.producer_epoch;
  b.first_seq = h.base_sequence;
  b.last_seq = h.base_sequence < 0
                 ? h.base_sequence
                 : add_sequence(h.base_sequence, std::max(h.last_offset_delta, 0));
  return b;
}

std::int32_t next_sequence(std::int32_t seq) noexcept {
  return add_sequence(seq, 1);
}

result<producer_state> producer_state::from_log(const raft_segment_storage& storage,
                                                raft::log_index up_to) {
  producer_state out;
  auto st = scan_stored_batches(storage, up_to,
                                [&](const batch_header& h, std::string_view batch, raft::log_index at,
                                    const raft_batch_position& where) {
                                  if (where.kind == raft::entry_kind::normal)
                                    out.apply_batch(h, batch, at, where.term, where.base_offset, where.last_offset);
                                });
  if (!st.ok())
    return st;
  return out;
}

status scan_stored_batches(
  const raft_segment_storage& storage, raft::log_index up_to,
  const std::function<void(const batch_header&, std::string_view, raft::log_index, const raft_batch_position&)>&
    fn) {
  const auto& log = storage.log();
  auto corrupted = [&](const std::string& what) {
    return status{errc::corrupted, log.dir().string() + ": log scan: " + what};
  };
  if (up_to > storage.last_index())
    return corrupted("entry " + std::to_string(up_to.value) + " is past the last stored one");
  constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
  std::int64_t end = up_to.value == 0 ? 0 : storage.position(up_to)->last_offset + 1;
  std::uint64_t index = 0; // raft index = 1 + ordinal of the batch (storage contract)
  std::int64_t next = log.log_start_offset();
  while (next < end) {
    auto r = log.read(next, chunk_bytes, end);
    if (!r)
      return r.error();
    const std::string& bytes = r->bytes;
    for (std::size_t pos = 0; pos + batch_format::layout::header_size <= bytes.size();) {
      auto h = decode_batch_header(bytes.data() + pos);
      raft::log_index at{++index};
      auto where = storage.position(at);
      if (!where || where->base_offset != h.base_offset)
        return corrupted("batch at offset " + std::to_string(h.base_offset)
                         + " is not raft entry " + std::to_string(index));
      auto size = std::min<std::size_t>(h.size(), bytes.size() - pos);
      fn(h, std::string_view(bytes.data() + pos, size), at, *where);
      pos += h.size();
    }
    if (r->next_offset <= next)
      return corrupted("no progress reading at offset " + std::to_string(next));
    next = r->next_offset;
  }
  if (index != up_to.value)
    return corrupted("read " + std::to_string(index) + " batches, expected "
                     + std::to_string(up_to.value));
  return {};
}

producer_check producer_state::check(const producer_batch& b) const {
  auto* known = find(b.producer_id);
  // An unknown producer may start at any sequence: its earlier batches may be
  // gone (retention, or truncation of a log that never committed them), so
  // there is nothing to compare with. Kafka accepts it the same way since
  // KIP-360 (no more UNKNOWN_PRODUCER_ID from the broker).
  if (!known)
    return {};
  if (b.epoch < known->epoch)
    return reject(producer_verdict::invalid_epoch,
                  describe(b) + " is fenced: the log holds epoch "
                    + std::to_string(known->epoch));
  if (b.epoch > known->epoch) {
    if (b.first_seq != 0)
      return reject(producer_verdict::out_of_order,
                    describe(b) + ": a new epoch must start at sequence 0");
    return {};
  }
  // A transaction marker that bumped the epoch leaves no batches of it:
  // the producer starts the epoch afresh.
  if (known->batches.empty())
    return {};
  for (const auto& logged : known->batches)
    if (logged.first_seq == b.first_seq && logged.last_seq == b.last_seq)
      return producer_check{producer_verdict::duplicate, logged, {}};
  auto expected = next_sequence(known->batches.back().last_seq);
  if (b.first_seq != expected)
    return reject(producer_verdict::out_of_order,
                  describe(b) + ": expected sequence " + std::to_string(expected));
  return {};
}

void producer_state::apply(const producer_batch& b, raft::log_index index, raft::term_id term,
                           std::int64_t base_offset, std::int64_t last_offset) {
  auto [it, inserted] = producers_.try_emplace(b.producer_id);
  auto& entry = it->second;
  if (inserted || entry.epoch != b.epoch) {
    entry.epoch = b.epoch;
    entry.batches.clear();
  }
  if (entry.batches.size() == batches_kept)
    entry.batches.erase(entry.batches.begin());
  entry.batches.push_back(logged_batch{b.first_seq, b.last_seq, index, term, base_offset,
                                       last_offset});
}

void producer_state::apply_marker(std::int64_t producer_id, std::int16_t epoch) {
  auto [it, inserted] = producers_.try_emplace(producer_id);
  auto& entry = it->second;
  if (inserted || epoch > entry.epoch) {
    entry.epoch = epoch;
    entry.batches.clear();
  }
}

void producer_state::apply_batch(const batch_header& h, std::string_view batch, raft::log_index index,
                                 raft::term_id term, std::int64_t base_offset, std::int64_t last_offset) {
  auto b = producer_batch::of(h);
  if (!b.idempotent())
    return;
  if ((h.attributes & batch_format::attr::control) != 0) {
    if (decode_marker(h, batch))
      apply_marker(b.producer_id, b.epoch);
    return;
  }
  apply(b, index, term, base_offset, last_offset);
}

void producer_state::set_offsets(std::int64_t producer_id, raft::log_index index,
                                 std::int64_t base_offset, std::int64_t last_offset) {
  auto it = producers_.find(producer_id);
  if (it == producers_.end())
    return;
  for (auto& logged : it->second.batches)
    if (logged.index == index) {
      logged.base_offset = base_offset;
      logged.last_offset = last_offset;
    }
}

const producer_entry* producer_state::find(std::int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

} // namespace rivulet::state
