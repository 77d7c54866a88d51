// partition_replica's idempotent producer table (design 4.6): kept equal to
// what the log holds, on leaders and followers alike, so that a new leader
// or a reopened replica checks retries against exactly its log.

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "runtime/record_batch_layout.hpp"
#include "state/log/batch_header.hpp"
#include "state/partition/replica.hpp"

namespace rivulet::state {

namespace {

// The idempotence fields of a normal entry's batch; producer id -1 otherwise.
producer_batch producer_batch_of(const raft::log_entry& e) {
  if (e.kind != raft::entry_kind::normal || e.payload.size() < batch_format::layout::header_size)
    return {};
  return producer_batch::of(decode_batch_header(e.payload.data()));
}

} // namespace

replica_result<std::optional<produce_outcome>>
partition_replica::check_producer(const producer_batch& b) {
  if (b.epoch < 0 || b.first_seq < 0)
    return basic_status<replica_errc>{
      replica_errc::invalid_batch, "producer " + std::to_string(b.producer_id) + " sent epoch "
                                     + std::to_string(b.epoch) + " and base sequence "
                                     + std::to_string(b.first_seq) + "; both must be >= 0"};
  if (auto st = sync_producers(); !st.ok()) {
    health_ = st; // the table no longer matches the log: reopen rebuilds it
    return basic_status<replica_errc>{replica_errc::stopped, health_.to_string()};
  }
  auto c = producers_.check(b);
  switch (c.verdict) {
    case producer_verdict::accept:
      return std::optional<produce_outcome>{};
    case producer_verdict::duplicate:
      return std::optional<produce_outcome>{
        produce_outcome{c.original->index, c.original->term, true}};
    case producer_verdict::invalid_epoch:
      return basic_status<replica_errc>{replica_errc::invalid_producer_epoch, c.reason};
    case producer_verdict::out_of_order:
      break;
  }
  return basic_status<replica_errc>{replica_errc::out_of_order_sequence, c.reason};
}

status partition_replica::sync_producers() {
  const auto& log = node_->log();
  if (log.term_at(producers_index_) != producers_term_) {
    // Raft replaced entries the table covers before they were persisted (a
    // step() without pump()). Keep the stored entries that survive and
    // replay the unstable tail over them.
    auto keep = storage_->last_index();
    if (auto cut = log.pending_truncation())
      keep = std::min(keep, cut->prev());
    if (!log.unstable().empty())
      keep = std::min(keep, log.unstable().front().index.prev());
    if (auto st = rebuild_producers(keep); !st.ok())
      return st;
  }
  if (producers_index_ < log.last_index()) {
    constexpr auto max = std::numeric_limits<std::size_t>::max();
    for (const auto& e : log.slice(producers_index_.next(), log.last_index(), max, max))
      apply_producers(e);
  }
  return {};
}

status partition_replica::update_producers(const raft::ready& rd) {
  // The storage now holds the node's whole log. The table still describes
  // its first producers_index_ entries if the entry there kept its term (log
  // matching); otherwise a truncation replaced covered entries. Rare, so
  // the table is read again from the log.
  bool covered_prefix_kept = storage_->term_at(producers_index_) == producers_term_;
  bool gap = !rd.entries.empty() && rd.entries.front().index > producers_index_.next();
  if (!covered_prefix_kept || gap)
    return rebuild_producers(storage_->last_index());
  for (const auto& e : rd.entries) {
    if (e.index > producers_index_) {
      apply_producers(e);
      continue;
    }
    // Taken in when proposed or synced, before the log gave it offsets.
    auto b = producer_batch_of(e);
    auto pos = storage_->position(e.index);
    if (b.idempotent() && pos)
      producers_.set_offsets(b.producer_id, e.index, pos->base_offset, pos->last_offset);
  }
  return {};
}

status partition_replica::rebuild_producers(raft::log_index up_to) {
  auto rebuilt = producer_state::from_log(*storage_, up_to);
  if (!rebuilt)
    return rebuilt.error();
  producers_ = std::move(rebuilt).value();
  producers_index_ = up_to;
  producers_term_ = *storage_->term_at(up_to);
  return {};
}

void partition_replica::apply_producers(const raft::log_entry& e) {
  if (e.index != producers_index_.next())
    std::abort(); // the table covers a prefix of the log, extended in order
  if (e.kind == raft::entry_kind::normal && e.payload.size() >= batch_format::layout::header_size) {
    // Offsets exist once the entry is stored; an unstable one gets them later.
    auto pos = storage_->position(e.index);
    bool stored = pos && pos->term == e.term;
    producers_.apply_batch(decode_batch_header(e.payload.data()), e.payload, e.index, e.term,
                           stored ? pos->base_offset : -1, stored ? pos->last_offset : -1);
  }
  producers_index_ = e.index;
  producers_term_ = e.term;
}

} // namespace rivulet::state
