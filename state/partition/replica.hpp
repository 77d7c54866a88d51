#pragma once

// One replica of one partition in rivulet's topic store: a raft group member
// whose raft log is the partition's Kafka segment log. CAF-free; the replica
// actor (later, in actors/) translates messages into calls on this object.
// Design: docs/design/0001-topic-store.md, sections 4.2-4.5.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/raft/raft_node.hpp"
#include "runtime/raft/raft_types.hpp"
#include "state/lmdb_store.hpp"
#include "state/log/log_config.hpp"
#include "state/log/raft_segment_storage.hpp"
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
  /// not a control batch, at most log.max_batch_bytes) and proposes it.
  /// Returns its raft index; the entry's term is term() at return. Both
  /// appear in take_committed() once it commits.
  /// not_leader (naming the leader when known), transfer_in_progress,
  /// invalid_batch or stopped otherwise. Call pump() afterwards.
  replica_result<raft::log_index> produce(std::string batch_bytes);

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
  replica_result<std::string> fetch(std::int64_t from_offset, std::size_t max_bytes) const;

  bool is_leader() const;
  std::optional<raft::node_id> leader() const;
  raft::term_id term() const;
  raft::node_id id() const { return config_.id; }
  /// Read-only views for tests and diagnostics.
  const raft::raft_node& node() const { return *node_; }
  const raft_segment_storage& storage() const { return *storage_; }

private:
  partition_replica(replica_config config, std::unique_ptr<raft_segment_storage> storage,
                    lmdb_store meta, raft::hard_state state);

  status persist(const raft::ready& rd);
  void apply(const std::vector<raft::log_entry>& entries);
  bool stopped() const { return !health_.ok(); }

  replica_config config_;
  std::unique_ptr<raft_segment_storage> storage_;
  lmdb_store meta_;
  raft::hard_state persisted_;
  std::unique_ptr<raft::raft_node> node_;
  std::vector<committed> committed_;
  status health_;
};

} // namespace rivulet::state
