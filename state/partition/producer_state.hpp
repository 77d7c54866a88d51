#pragma once

// Idempotent producer state of one partition: per producer id, its epoch and
// its last batches in the log, so a leader can drop retried batches and refuse
// gaps and fenced producers. Kafka's ProducerStateManager without
// transactions. CAF-free. Design: docs/design/0001-topic-store.md, 4.6.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/raft/raft_types.hpp"
#include "state/log/batch_header.hpp"
#include "state/result.hpp"

namespace rivulet::state {

class raft_segment_storage;

/// The idempotence fields of one record batch.
struct producer_batch {
  std::int64_t producer_id = -1; ///< -1 (any negative): not an idempotent batch.
  std::int16_t epoch = -1;
  std::int32_t first_seq = -1;
  std::int32_t last_seq = -1;

  /// From a batch header. The last sequence is base_sequence +
  /// last_offset_delta (= records_count - 1 for the dense batches producers
  /// send), wrapping past INT32_MAX to 0 as Kafka's sequences do.
  static producer_batch of(const batch_header& h) noexcept;
  bool idempotent() const noexcept { return producer_id >= 0; }
};

/// The sequence that follows `seq` (INT32_MAX wraps to 0).
std::int32_t next_sequence(std::int32_t seq) noexcept;

/// One batch of a producer that the log holds (committed or not).
struct logged_batch {
  std::int32_t first_seq = 0;
  std::int32_t last_seq = 0;
  raft::log_index index; ///< The raft entry holding the batch.
  raft::term_id term;    ///< That entry's term: (index, term) names it for good.
  /// Kafka offsets of the batch; -1 while the entry is proposed but not yet
  /// stored (the log assigns offsets when it appends).
  std::int64_t base_offset = -1;
  std::int64_t last_offset = -1;
};

/// What the log says about one producer id.
struct producer_entry {
  std::int16_t epoch = 0;
  /// The newest batches of `epoch`, oldest first; at most
  /// producer_state::batches_kept, none after a marker bumped the epoch.
  std::vector<logged_batch> batches;
};

/// Verdict of producer_state::check.
enum class producer_verdict {
  accept,         ///< Append the batch.
  duplicate,      ///< A retry of a batch the log holds: append nothing.
  invalid_epoch,  ///< The epoch is older than the log's: the producer is fenced.
  out_of_order,   ///< A sequence gap, or a new epoch not starting at 0.
};

struct producer_check {
  producer_verdict verdict = producer_verdict::accept;
  /// For duplicate: the batch the log already holds.
  std::optional<logged_batch> original;
  /// For rejects: why, naming producer, epoch and sequences.
  std::string reason;
};

/// The producer table of one partition replica. It must describe exactly the
/// batches in the replica's log (plus, on a leader, the ones it proposed and
/// has not stored yet): the owner applies every batch it appends, in log
/// order, and rebuilds the table with from_log() after opening the log and
/// after any truncation. Producer ids are never expired (Kafka drops them
/// after producer.id.expiration.ms); the table grows with distinct ids.
///
/// Not thread safe; owned by one partition_replica.
class producer_state {
public:
  /// Batches remembered per producer for duplicate detection, as in Kafka
  /// (a producer has at most 5 requests in flight per partition).
  static constexpr std::size_t batches_kept = 5;

  /// The table of the entries [1, up_to] held in `storage` (up_to <=
  /// last_index()), read from their batch headers in log order: one read of
  /// that part of the log. Read errors are passed on; corrupted when a stored
  /// batch is not where the storage's index table says.
  static result<producer_state> from_log(const raft_segment_storage& storage,
                                         raft::log_index up_to);

  /// Leader check of `b` (idempotent) before it is proposed: the Kafka rules
  /// of design 4.6. Does not change the table.
  producer_check check(const producer_batch& b) const;

  /// Records that the log now holds `b` (idempotent) in entry (index, term)
  /// at the given offsets (-1 when not yet stored). A new epoch replaces the
  /// producer's batches; beyond batches_kept the oldest is forgotten. No
  /// checks: followers and rebuilds take what the leader accepted.
  void apply(const producer_batch& b, raft::log_index index, raft::term_id term,
             std::int64_t base_offset = -1, std::int64_t last_offset = -1);

  /// Records a transaction marker (control batch) of `producer_id` at
  /// `epoch`: a newer epoch (the coordinator fenced an older producer
  /// instance) replaces the producer's entry with an empty one at that
  /// epoch, so batches of older epochs are refused and the new epoch's
  /// first batch is taken at any sequence. An older epoch changes nothing.
  void apply_marker(std::int64_t producer_id, std::int16_t epoch);

  /// apply() or apply_marker() as the stored batch `batch` (header `h`)
  /// calls for; batches without a producer id change nothing.
  void apply_batch(const batch_header& h, std::string_view batch, raft::log_index index, raft::term_id term,
                   std::int64_t base_offset, std::int64_t last_offset);

  /// Fills in the offsets of the batch of `producer_id` in entry `index`,
  /// once stored. Does nothing when the table no longer holds it.
  void set_offsets(std::int64_t producer_id, raft::log_index index, std::int64_t base_offset,
                   std::int64_t last_offset);

  /// The entry of `producer_id`, or null when the log holds none of its batches.
  const producer_entry* find(std::int64_t producer_id) const;
  std::size_t size() const noexcept { return producers_.size(); }

private:
  std::unordered_map<std::int64_t, producer_entry> producers_;
};

} // namespace rivulet::state
