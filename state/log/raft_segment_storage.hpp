#pragma once

// The raft log of one partition replica kept in its segment_log: one raft
// entry is one Kafka record batch v2, with the entry's term in the batch's
// partition_leader_epoch field. Consumers read the same segment files.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/raft/raft_log_storage.hpp"
#include "runtime/raft/raft_types.hpp"
#include "state/log/segment_log.hpp"
#include "state/result.hpp"

namespace rivulet::state {

/// Key of the single control record in a raft no-op batch: Kafka's control
/// record key layout (int16 version, int16 type), version 0, type 0x7276
/// ("rv"). Kafka assigns types 0-6 (abort, commit, leader change, snapshot
/// header/footer, kraft version, kraft voters); its clients map any other
/// type to UNKNOWN and, like for transaction markers, never return records of
/// a control batch to the application. The record's value is null.
inline constexpr std::int16_t raft_noop_control_version = 0;
inline constexpr std::int16_t raft_noop_control_type = 0x7276;

/// The control batch stored for a raft no-op entry of `term` (1 <= term <=
/// 2^31 - 1): attributes = control, one record (key above, null value),
/// producer id/epoch/base sequence -1, timestamps -1 (Kafka's "no
/// timestamp", so ListOffsets by time never lands on it), base offset 0,
/// partition_leader_epoch = term, correct CRC-32C. 72 bytes.
std::string raft_noop_batch(raft::term_id term);

/// True when `batch` is exactly what raft_noop_batch writes, whatever its
/// base offset and leader epoch.
bool is_raft_noop_batch(std::string_view batch) noexcept;

/// Where one raft entry sits in the segment log.
struct raft_batch_position {
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  raft::term_id term;
  std::uint32_t size_bytes = 0; ///< Size of the stored batch.
  raft::entry_kind kind = raft::entry_kind::normal;
};

/// raft_log_storage over a segment_log, which it owns. Raft index i (>= 1)
/// is the i-th batch of the log; Kafka offsets are assigned by the log
/// (segment_log::append), so they stay dense: a normal entry takes its
/// batch's records, a no-op takes one offset.
///
/// Entries. A normal entry's payload must be one record batch v2 that
/// segment_log::append accepts (validate_batch, offset_rule::dense); the
/// caller validates client data before raft_node::propose. It is stored with
/// partition_leader_epoch = term (outside the CRC) and base offset = the
/// log's end offset. A no-op entry is stored as raft_noop_batch(term).
/// entries() returns normal payloads as stored (base offset and leader epoch
/// rewritten, every other byte as proposed) and no-ops with an empty payload.
///
/// Index table. Every held entry's position is kept in memory (32 bytes per
/// entry) and rebuilt by open(), which reads the whole log once. term_at,
/// last_index and the offset lookups need no I/O; entries() reads the log.
///
/// Limits. first_index() is always 1: raft index = 1 + ordinal of the batch
/// from offset 0. Until raft snapshots exist, nothing may delete a prefix of
/// the log: the user must never call segment_log::apply_retention on the
/// owned log (it is reachable only as const through log(), and open() fails
/// with corrupted on a log whose start offset is not 0). Terms must fit the
/// int32 leader-epoch field (term <= 2^31 - 1; a larger one aborts). The
/// hard state (term, vote, commit) is not stored here.
///
/// Errors. raft_log_storage's calls return void, so an error from the log
/// (io_error, or invalid_argument for a payload that is not a valid batch) is
/// recorded: last_error() returns the first one, and from then on append and
/// truncate_suffix do nothing, while the table keeps describing what the log
/// holds as far as known. The owner must check last_error() after applying
/// each ready bundle and before sending its messages or calling advance(); if
/// it is set, the replica must stop (drop the raft_node and this storage) and
/// be reopened, which recovers the log. Aborts (std::abort) are kept for
/// states the interface cannot express: caller bugs (non-contiguous append,
/// truncate_suffix(0), entries() outside the held range, decreasing terms,
/// an oversized term) and a read failing inside entries(), whose contract
/// promises at least one entry and whose caller (raft_log) relies on it.
///
/// Durability follows the log's fsync_policy: under every_batch an append is
/// durable when it returns; otherwise the owner calls flush() before sending
/// the bundle's messages. truncate_suffix is always synced.
///
/// Not thread safe; owned by the caller of the raft_node reading it. Movable,
/// but a raft_node holds a reference: do not move it while a node uses it.
class raft_segment_storage final : public raft::raft_log_storage {
public:
  /// Takes over `log` and rebuilds the index table by reading every batch.
  /// corrupted when the log does not start at offset 0, or a batch's leader
  /// epoch is not a valid term (< 1) or lower than the previous batch's;
  /// read errors are passed on.
  static result<raft_segment_storage> open(segment_log log);
  /// segment_log::open(dir, config), then open(log).
  static result<raft_segment_storage> open(const std::filesystem::path& dir,
                                           log_config config = {});

  void append(const std::vector<raft::log_entry>& entries) override;
  void truncate_suffix(raft::log_index from) override;
  std::optional<raft::term_id> term_at(raft::log_index index) const override;
  std::vector<raft::log_entry> entries(raft::log_index from, raft::log_index to,
                                       std::size_t max_bytes) const override;
  raft::log_index last_index() const override {
    return raft::log_index{table_.size()};
  }
  raft::log_index first_index() const override {
    return raft::log_index{1};
  }

  /// The Kafka offset one past the last record of entry `commit_index`: what
  /// consumers may read up to once that entry is committed. 0 for index 0;
  /// nullopt past last_index().
  std::optional<std::int64_t> high_watermark_offset(raft::log_index commit_index) const;
  /// Raft index of the entry whose batch holds `offset`; nullopt outside
  /// [0, log().end_offset()).
  std::optional<raft::log_index> entry_for_offset(std::int64_t offset) const;
  /// Position of entry `index`; nullopt outside [1, last_index()].
  std::optional<raft_batch_position> position(raft::log_index index) const;

  /// Syncs the log (segment_log::flush); a failure is also recorded.
  status flush();
  /// The first error recorded; ok while none happened.
  const status& last_error() const noexcept {
    return error_;
  }
  /// The owned log, for fetch reads and offsets. Const: see Limits.
  const segment_log& log() const noexcept {
    return log_;
  }

private:
  explicit raft_segment_storage(segment_log log) : log_(std::move(log)) {
  }

  status rebuild();
  void append_one(const raft::log_entry& e);
  void record(status st);

  segment_log log_;
  std::vector<raft_batch_position> table_; ///< Entry i at position i - 1.
  status error_;
};

} // namespace rivulet::state
