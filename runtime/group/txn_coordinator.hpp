#pragma once

// The transaction coordinator of one transactional id (Kafka's
// TransactionCoordinator + TransactionMetadata), as a plain state machine:
// requests come in, and each either fails at once or yields the next state
// to persist. The caller (actors/txn_coordinator_actor) writes that state
// as a record to the coordinator's internal partition, acts once it is
// acknowledged (reply, markers) and only then calls persisted(). Nothing
// here is visible to readers before it is durable. CAF-free, no I/O.
// Design: docs/design/0002-transactions.md.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/group/group_types.hpp"
#include "runtime/group/offset_store.hpp"

namespace rivulet::group {

/// Kafka's transaction states (TransactionState.java), without the epoch
/// fence state: a fence here is an abort with a bumped epoch.
enum class txn_status : std::int8_t {
  empty = 0,
  ongoing = 1,
  prepare_commit = 2,
  prepare_abort = 3,
  complete_commit = 4,
  complete_abort = 5,
};

const char* to_string(txn_status s) noexcept;

/// The durable state of one transactional id.
struct txn_metadata {
  std::string transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  std::int32_t timeout_ms = 60000;
  txn_status status = txn_status::empty;
  /// Partitions written in the current transaction (markers go there).
  std::set<topic_partition> partitions;
  /// Consumer groups whose offsets the transaction commits (AddOffsetsToTxn).
  std::set<std::string> groups;
  /// When the transaction became ongoing (its timeout counts from there).
  std::int64_t started_ms = 0;

  friend bool operator==(const txn_metadata& a, const txn_metadata& b);
};

/// The record persisting `m` in the coordinator's internal partition:
/// key (u8 type 2, i16 version 0, str16 transactional id), value (see
/// docs/formats/coordinator-records.md).
coordinator_record encode_txn_record(const txn_metadata& m);
/// Decodes a record of encode_txn_record; fails on another record type,
/// an unknown version, truncation or trailing bytes.
decode_result<txn_metadata> decode_txn_record(const coordinator_record& r);

/// A transactional offset commit (TxnOffsetCommit), pending in its group
/// until the producer's transaction ends. Record type 3.
struct txn_offset_record {
  std::string group_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  topic_partition tp;
  committed_offset value;
};

/// The end of a producer's transaction as its group sees it: the pending
/// offsets become committed offsets (commit) or are dropped. Record type 4.
struct txn_offsets_end_record {
  std::string group_id;
  std::int64_t producer_id = -1;
  bool commit = false;
  /// Only pending offsets of this epoch are committed: a fenced instance's
  /// late TxnOffsetCommit (older epoch) never counts.
  std::int16_t producer_epoch = -1;
};

coordinator_record encode_txn_offset_record(const txn_offset_record& r);
decode_result<txn_offset_record> decode_txn_offset_record(const coordinator_record& r);
coordinator_record encode_txn_offsets_end_record(const txn_offsets_end_record& r);
decode_result<txn_offsets_end_record> decode_txn_offsets_end_record(const coordinator_record& r);

/// What a request leads to: `error` to answer now, and/or a state to
/// persist before anything else happens.
struct txn_step {
  error_code error = error_code::none;
  std::optional<txn_metadata> write;
};

struct txn_coordinator_config {
  /// Kafka's transaction.max.timeout.ms.
  std::int32_t max_timeout_ms = 900000;
};

class txn_coordinator {
public:
  explicit txn_coordinator(std::string transactional_id, txn_coordinator_config cfg = {});

  /// Load: applies a record of this id read back from the partition.
  void replay(const txn_metadata& m) { durable_ = m; }
  /// The last persisted state; nullopt for an id never seen.
  const std::optional<txn_metadata>& current() const noexcept { return durable_; }

  /// A write is in flight (between a step's write and persisted()/failed()):
  /// every request meanwhile gets CONCURRENT_TRANSACTIONS.
  bool busy() const noexcept { return busy_; }
  /// The in-flight write is durable / was refused; the caller then acts.
  void persisted(const txn_metadata& m);
  void failed() { busy_ = false; }

  /// InitProducerId: a new id (`fresh_producer_id`) at epoch 0 for an
  /// unknown transactional id, else the same id with the epoch bumped
  /// (fencing the older instance). An ongoing transaction is aborted first
  /// (prepare_abort, epoch bumped) and the request gets
  /// CONCURRENT_TRANSACTIONS: the client retries once the abort completed.
  txn_step init_producer(std::int32_t timeout_ms, std::int64_t now_ms, std::int64_t fresh_producer_id);
  /// AddPartitionsToTxn (and AddOffsetsToTxn's group, when `group` is set).
  txn_step add(std::int64_t producer_id, std::int16_t epoch, const std::vector<topic_partition>& partitions,
               const std::optional<std::string>& group, std::int64_t now_ms);
  /// EndTxn: the prepare state to persist (the commit point), or NONE with
  /// no write for a retry of the transaction that just completed the same way.
  txn_step end(std::int64_t producer_id, std::int16_t epoch, bool commit);
  /// A prepare_abort with a bumped epoch when the ongoing transaction ran
  /// past its timeout (Kafka's abortTimedOutTransactions), else nullopt.
  std::optional<txn_metadata> expire(std::int64_t now_ms);
  /// Once every marker of the durable prepare state is written: the
  /// complete state to persist next (partitions and groups cleared).
  txn_metadata complete();

  /// Checks producer id and epoch against the durable state.
  error_code check_producer(std::int64_t producer_id, std::int16_t epoch) const;

private:
  txn_step begin(txn_metadata next);

  std::string id_;
  txn_coordinator_config cfg_;
  std::optional<txn_metadata> durable_;
  bool busy_ = false;
};

} // namespace rivulet::group
