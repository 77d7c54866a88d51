#pragma once

// One replica of one partition in rivulet's topic store: a raft group member
// whose raft log is the partition's Kafka segment log. CAF-free; the replica
// actor (later, in actors/) translates messages into calls on this object.
// Design: docs/design/0001-topic-store.md, sections 4.2-4.6.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/raft/raft_node.hpp"
#include "runtime/raft/raft_types.hpp"
#include "state/lmdb_store.hpp"
#include "state/log/log_config.hpp"
#include "state/log/raft_segment_storage.hpp"
#include "state/partition/producer_state.hpp"
#include "state/partition/txn_state.hpp"
#include "state/result.hpp"

namespace rivulet::state {

/// Why a replica refused a produce or a fetch. Open and storage failures use
/// state::errc (see partition_replica::open and health()).
enum class replica_errc {
  ok = 0,
  not_leader,           ///< This replica does not lead; the message names the leader if known.
  transfer_in_progress, ///< The leader is handing leadership over; retry.
  invalid_batch,        ///< The produced bytes are not one acceptable record batch v2.
  offset_out_of_range,  ///< A fetch below the log start offset.
  stopped,              ///< The replica hit a storage error and must be reopened (health()).
  storage_error,        ///< A read failed (io_error/corrupted); the message says which.
  invalid_producer_epoch, ///< An idempotent producer's epoch is older than the log's: fenced.
  out_of_order_sequence,  ///< A sequence gap, or a new producer epoch not starting at 0.
};

/// Stable name of `code`, e.g. "not_leader".
constexpr const char* to_string(replica_errc code) noexcept {
  switch (code) {
    case replica_errc::ok: return "ok";
    case replica_errc::not_leader: return "not_leader";
    case replica_errc::transfer_in_progress: return "transfer_in_progress";
    case replica_errc::invalid_batch: return "invalid_batch";
    case replica_errc::offset_out_of_range: return "offset_out_of_range";
    case replica_errc::stopped: return "stopped";
    case replica_errc::storage_error: return "storage_error";
    case replica_errc::invalid_producer_epoch: return "invalid_producer_epoch";
    case replica_errc::out_of_order_sequence: return "out_of_order_sequence";
  }
  return "unknown";
}

template <class T>
using replica_result = basic_result<T, replica_errc>;

/// Static settings of one partition replica.
struct replica_config {
  raft::node_id id;
  /// Every voter of the group, including `id`.
  std::vector<raft::node_id> voters;
  /// The raft group (partition) this replica belongs to; names its hard state.
  raft::group_id group;
  /// Raft timings in ticks of the caller's clock (see raft::raft_config).
  int election_ticks = 10;
  int heartbeat_ticks = 2;
  /// Settings of the segment log.
  log_config log;
  /// Seed of the election-timeout randomization (raft_node mixes in the id).
  std::uint64_t seed = 1;
};

/// A committed normal entry, for answering acks=all producers: its raft index
/// and term, and the Kafka offsets its batch got. (index, term) names one
/// entry for good (log matching): a pending produce that got index i while
/// the leader's term() was t is acknowledged by the entry (i, t); an entry
/// with index i and another term means the produce was lost to a leader
/// change (retriable).
struct committed {
  raft::log_index index;
  raft::term_id term;
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;

  friend bool operator==(const committed& a, const committed& b) {
    return a.index == b.index && a.term == b.term && a.base_offset == b.base_offset
           && a.last_offset == b.last_offset;
  }
};

/// What produce() did with a batch. (index, term) names the raft entry that
/// holds it; the caller waits for it (position, take_committed) the same way
/// whether it is new or a duplicate.
struct produce_outcome {
  raft::log_index index;
  raft::term_id term;
  /// The batch is a retry of one the log already holds (idempotent
  /// producer): nothing was appended and (index, term) name the original
  /// entry, which may still be uncommitted or from an earlier term.
  bool duplicate = false;
};

/// One replica of one partition: owns the segment log (as a
/// raft_segment_storage), an LMDB environment holding the raft hard state
/// (term, vote, commit) under key "raft/<group>" of db "replica", and the
/// raft_node. On disk, `dir` holds `log/` (segments) and `meta/` (LMDB).
///
/// The caller drives it like a raft_node: tick() for time, step() for a peer's
/// message, produce() for client data, and after each of them pump(), which
/// persists, applies and returns the messages to send. Between a step/tick/
/// produce and the next pump() the node may hold unpersisted output; nothing
/// is sent or reported committed before it is durable.
///
/// After a storage failure the replica stops: health() returns the error,
/// tick/step do nothing, produce and fetch fail with `stopped`, pump returns
/// nothing. The owner drops the object and reopens the directory, which
/// recovers the log. Dropping the object without a clean close is always
/// safe: what was acknowledged or sent was flushed first.
///
/// Limits (from raft_segment_storage): the log must start at offset 0 (no
/// retention, no snapshots). Fetches serve every committed offset this
/// replica knows of; the rule that a new leader holds reads until its own
/// no-op commits (design 4.4) is the caller's, via is_leader()/term().
///
/// Move-only (internals live on the heap, so moves keep the node's storage
/// reference valid). Not thread safe: one owner calls it.
class partition_replica {
public:
  /// Opens (or creates) the replica in `dir`: recovers the log, reads the
  /// hard state (its commit clamped to the last log index, since a log entry
  /// lost beyond the persisted commit must not be reported committed) and
  /// builds the node as a follower. Errors come from the log or LMDB.
  static result<partition_replica> open(const std::filesystem::path& dir,
                                        replica_config config);

  partition_replica(partition_replica&&) noexcept;
  partition_replica& operator=(partition_replica&&) noexcept;
  ~partition_replica();

  /// Advances the logical clock by one tick. Call pump() afterwards.
  void tick();
  /// Handles one message addressed to this replica. Call pump() afterwards.
  void step(const raft::message& m);

  /// Leader only: validates `batch_bytes` (one record batch v2, dense offsets,
  /// not a control batch, at most log.max_batch_bytes), checks an idempotent
  /// batch (producer id >= 0) against the producer table (design 4.6) and
  /// proposes it. Returns the new entry's raft index and term (term() at
  /// return), or for a retry of a batch the log holds the original entry's,
  /// with `duplicate` set and nothing proposed. The entry appears in
  /// take_committed() once it commits (unless it committed before).
  /// not_leader (naming the leader when known), transfer_in_progress,
  /// invalid_batch, invalid_producer_epoch, out_of_order_sequence or stopped
  /// otherwise. Call pump() afterwards.
  ///
  /// With `marker` set the batch must instead be a transaction marker (a
  /// control batch of a producer holding one commit or abort record), as a
  /// transaction coordinator writes them; its epoch may not be older than
  /// the producer's in the log (invalid_producer_epoch), and a newer one
  /// fences the producer's older epochs from then on.
  replica_result<produce_outcome> produce(std::string batch_bytes, bool marker = false);

  /// Drains the node: for each ready bundle persists truncation and entries,
  /// flushes the log, writes a changed hard state to LMDB, and only then
  /// collects its messages, records its committed entries and advances.
  /// Returns the messages to send, in order. Stops on a storage error.
  std::vector<raft::message> pump();

  /// Normal entries applied since the last call, in index order, on leaders
  /// and followers alike (a follower's are entries another leader took).
  std::vector<committed> take_committed();

  /// Ok, or the storage error that stopped the replica.
  const status& health() const noexcept { return health_; }

  /// Kafka offset one past the last committed record this replica has applied.
  std::int64_t high_watermark() const;
  /// Kafka offset the next stored batch gets.
  std::int64_t log_end_offset() const;
  std::int64_t log_start_offset() const;

  /// Whole batches from the one holding `from_offset`, up to `max_bytes` (at
  /// least one batch) and only below the high watermark, as stored (no-ops
  /// included, as control batches consumers skip). Empty at or beyond the
  /// high watermark; offset_out_of_range below the log start.
  /// With `read_committed`, only below the last stable offset instead.
  replica_result<std::string> fetch(std::int64_t from_offset, std::size_t max_bytes,
                                    bool read_committed = false) const;

  /// ListOffsets by time: the offset and timestamp of the first committed
  /// record (in offset order, control batches skipped) whose timestamp is
  /// >= `timestamp_ms`; nullopt when there is none. Inside a compressed
  /// batch the answer is the batch's first offset and its max timestamp.
  replica_result<std::optional<std::pair<std::int64_t, std::int64_t>>>
  offset_for_timestamp(std::int64_t timestamp_ms) const;

  /// Kafka's last stable offset: the high watermark, or the first offset
  /// of the oldest transaction still open in the committed log if lower.
  std::int64_t last_stable_offset() const;
  /// Transactions (committed state) of this partition: open ones and the
  /// aborted list read_committed fetches return.
  const txn_state& transactions() const noexcept { return txns_; }

  /// Leader only: hands leadership to `to`, which takes over once it holds
  /// the whole log (raft's timeout_now). False when not leading or `to` is
  /// not another voter. Call pump() afterwards.
  bool transfer_leadership(raft::node_id to);

  bool is_leader() const;
  std::optional<raft::node_id> leader() const;
  raft::term_id term() const;
  raft::node_id id() const { return config_.id; }
  /// Read-only views for tests and diagnostics.
  const raft::raft_node& node() const { return *node_; }
  const raft_segment_storage& storage() const { return *storage_; }
  /// The idempotent producer table: it covers the log up to the last entry
  /// persisted or produced here (an unpersisted tail a follower received is
  /// taken in when produce() needs it).
  const producer_state& producers() const { return producers_; }

private:
  partition_replica(replica_config config, std::unique_ptr<raft_segment_storage> storage,
                    lmdb_store meta, raft::hard_state state, producer_state producers, txn_state txns);

  status persist(const raft::ready& rd);
  // The producer table (replica_producers.cpp).
  status sync_producers();
  status update_producers(const raft::ready& rd);
  status rebuild_producers(raft::log_index up_to);
  void apply_producers(const raft::log_entry& e);
  replica_result<std::optional<produce_outcome>> check_producer(const producer_batch& b);
  void apply(const std::vector<raft::log_entry>& entries);
  bool stopped() const { return !health_.ok(); }

  replica_config config_;
  std::unique_ptr<raft_segment_storage> storage_;
  lmdb_store meta_;
  raft::hard_state persisted_;
  std::unique_ptr<raft::raft_node> node_;
  std::vector<committed> committed_;
  status health_;
  producer_state producers_;
  /// Transactions in the committed log: entries [1, applied index].
  txn_state txns_;
  /// The last entry producers_ covers: it describes the node's log [1, index]
  /// while that log still holds (index, term) (log matching).
  raft::log_index producers_index_;
  raft::term_id producers_term_;
};

} // namespace rivulet::state
