#pragma once

// Transactions as one partition sees them (Kafka's ProducerStateManager and
// TransactionIndex, reduced to what a fetch needs): which producers have a
// transaction open here and from which offset, and which transactions ended
// in an abort. From these come the last stable offset (LSO), where a
// read_committed fetch stops, and the aborted list it returns so that
// clients drop aborted records. CAF-free. Design: docs/design/0002-transactions.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "state/log/batch_header.hpp"

namespace rivulet::state {

/// The kinds of control record in a transaction marker's key (Kafka's
/// ControlRecordType); the raft no-op's type (0x7276) is neither.
enum class marker_kind : std::int16_t { abort = 0, commit = 1 };

/// The control record of a marker batch, decoded from its bytes: key
/// version 0 + type, value version 0 + coordinator epoch.
struct marker_record {
  marker_kind kind = marker_kind::abort;
  std::int32_t coordinator_epoch = 0;
};

/// The marker carried by `batch` (one whole record batch v2 whose header is
/// `h`), or nullopt when it is not a control batch of a producer holding a
/// commit or abort record (e.g. a raft no-op, or data).
std::optional<marker_record> decode_marker(const batch_header& h, std::string_view batch);

/// One aborted transaction of one producer: its first and last offset (the
/// last being the abort marker's).
struct aborted_txn {
  std::int64_t producer_id = 0;
  std::int64_t first_offset = 0;
  std::int64_t last_offset = 0;
};

/// Transaction state of the committed part of one partition's log. The
/// owner applies every committed batch once, in offset order (committed
/// entries are never truncated, so this state never rolls back), and
/// rebuilds it from the log when it opens. Not thread safe.
class txn_state {
public:
  /// Takes in one committed batch: a transactional data batch opens its
  /// producer's transaction here (if none is open); a marker closes it, and
  /// an abort marker adds it to the aborted list. `batch` holds the batch's
  /// bytes (needed for markers only).
  void apply(const batch_header& h, std::string_view batch, std::int64_t base_offset,
             std::int64_t last_offset);

  /// Kafka's last stable offset: the first offset of the oldest open
  /// transaction, or `high_watermark` when none is open below it.
  std::int64_t last_stable_offset(std::int64_t high_watermark) const;

  /// The aborted transactions a fetch of [from, to] must know about: those
  /// whose offsets overlap it, oldest first.
  std::vector<aborted_txn> aborted_between(std::int64_t from, std::int64_t to) const;

  /// Producers with a transaction open here, and the offset it began at.
  const std::map<std::int64_t, std::int64_t>& open() const noexcept { return open_; }
  std::size_t aborted_count() const noexcept { return aborted_.size(); }

private:
  std::map<std::int64_t, std::int64_t> open_; ///< producer id -> first offset
  /// Ordered by last offset (the order aborts commit in). Kept for the
  /// partition's life: there is no retention on replicated partitions yet.
  std::vector<aborted_txn> aborted_;
  /// Largest (last_offset - first_offset) among aborted_: bounds the search.
  std::int64_t longest_ = 0;
};

} // namespace rivulet::state
