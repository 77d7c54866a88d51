#pragma once

// rivulet's native producer: sends records to the topics of a topic-store
// cluster, batching them per partition and retrying across leader changes.
// User guide: docs/topics.md; design: docs/design/0001-topic-store.md (4.5,
// 4.6).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "io/kafka/compression.hpp"

namespace rivulet::actors {

struct producer_config {
  /// Node actors to ask for metadata first (any node of the cluster will
  /// do; the producer learns the others from metadata). Must not be empty.
  std::vector<caf::actor> bootstrap;
  /// 0: the leader answers without waiting for anything (a record may be
  /// lost silently); 1: the leader persisted it (lost if the leader fails
  /// before a majority has it); -1 (all): a majority committed it.
  std::int16_t acks = -1;
  /// How long a partition's batch waits for more records before it is sent.
  std::chrono::milliseconds linger{5};
  /// A batch is sent once its records reach this size (a bigger single
  /// record is sent alone).
  std::size_t batch_bytes = 16 * 1024;
  /// Produce requests per partition awaiting an answer.
  int max_in_flight = 5;
  /// Deadline of one produce or metadata request.
  std::chrono::milliseconds request_timeout{5000};
  /// Pause before a retry (and between metadata refreshes).
  std::chrono::milliseconds retry_backoff{100};
  /// A record not acknowledged this long after it was sent is reported failed.
  std::chrono::milliseconds delivery_timeout{120000};
  /// Producer id and per-partition sequence numbers, so that the partition
  /// leader drops retried duplicates and refuses gaps (design 4.6). Takes
  /// effect with acks=-1 only, as in Kafka: with acks 0 or 1 a failover can
  /// lose acknowledged batches, and the sequence gap would stall the
  /// partition, so batches then carry no producer stamp.
  bool idempotent = true;
  enum class keyless { sticky, round_robin };
  /// Partitions for records without a key: sticky (all records to one
  /// partition until its batch is sent; KIP-480) or round-robin.
  keyless keyless_partitioning = keyless::sticky;
  /// Memory for records sent and not yet reported (key + value + ~32
  /// bytes per record). send() waits while it is full.
  std::size_t buffer_bytes = std::size_t{32} << 20;
  /// How long send() waits for buffer space before it reports the record
  /// failed.
  std::chrono::milliseconds buffer_timeout{60000};
  /// Codec for each batch's records (Kafka's compression.type): the
  /// partition stores batches as they come, so consumers decompress.
  io::kafka::compression compression = io::kafka::compression::none;
  /// Kafka's transactional.id. When set, the constructor registers with the
  /// id's transaction coordinator (which fences any older producer with the
  /// same id and aborts its open transaction), and records may be sent only
  /// between begin_transaction() and commit_transaction() or
  /// abort_transaction(). Needs acks = -1 (idempotence is implied).
  std::string transactional_id;
  /// Longest a transaction may stay open; the coordinator aborts it after
  /// (and fences this producer).
  std::chrono::milliseconds transaction_timeout{60000};
};

/// A committed position to send with a transaction
/// (producer::send_offsets_to_transaction).
struct transaction_offset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

/// The outcome of one sent record.
struct delivery {
  std::string topic;
  std::int32_t partition = -1;  ///< -1 when the record never got a partition
  std::int64_t offset = -1;     ///< -1 on error, and with acks=0
  std::string error;            ///< empty when delivered

  bool ok() const noexcept { return error.empty(); }
};

namespace detail {
struct producer_shared;
struct txn_state;
}

/// A producer of one actor system. Thread safe: send() and flush() may be
/// called from any thread. Inside, one event-based actor batches records per
/// partition, sends each batch to the partition leader's node, and retries
/// retriable errors (not leader, leader unknown, timeouts, a batch lost to a
/// leader change, out-of-order sequence) with `retry_backoff` until
/// `delivery_timeout`, resending a batch with the same bytes and keeping
/// the batches of a partition in sequence order. With idempotence on, the
/// leader recognizes a resent batch and answers with its original offsets,
/// so a retry never duplicates a record. Without idempotence (or with acks
/// 0/1) a retry may duplicate a record, and with max_in_flight > 1 reorder.
///
/// Producer ids: rivulet's controller does not hand out producer ids yet
/// (design 4.7 plans id blocks); each producer picks a random 63-bit id.
/// Epoch 0; when the producer gives up on a batch whose outcome is unknown
/// (delivery_timeout, a fatal error), the partition moves to the next epoch
/// and restarts its sequence at 0, as Kafka does since KIP-360.
///
/// Reports: each record is reported exactly once, through its future or
/// callback: with its partition and offset, or an error text. Callbacks run
/// on the producer's actor thread (a record refused by send() itself is
/// reported on the calling thread); they must be quick and must not block,
/// flush() or destroy the producer. Records of one partition are reported
/// in order.
///
/// Destroying the producer flushes for up to `delivery_timeout` (see
/// close()), then reports what is left failed and stops the actor.
class producer {
public:
  using callback = std::function<void(const delivery&)>;

  producer(caf::actor_system& sys, producer_config cfg);
  ~producer();
  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  /// Sends a record; a null key (nullopt) makes it keyless. A keyed record
  /// goes to partition_for_key(key, partitions) (Kafka's murmur2, the same
  /// partition as Java's client and librdkafka). `timestamp_ms` < 0 means
  /// now. Blocks while the buffer is full (up to buffer_timeout). Errors are
  /// reported through the future: an unknown topic, a full buffer, a
  /// closed producer, a delivery timeout, a fatal answer of the leader.
  std::future<delivery> send(std::string topic, std::optional<std::string> key, std::optional<std::string> value,
                             std::int64_t timestamp_ms = -1);
  /// As above, reporting to `on_delivery` instead of a future.
  void send(std::string topic, std::optional<std::string> key, std::optional<std::string> value,
            callback on_delivery);
  void send(std::string topic, std::optional<std::string> key, std::optional<std::string> value,
            std::int64_t timestamp_ms, callback on_delivery);

  /// Sends what is batched at once and waits until every record sent
  /// before the call is reported (acknowledged or failed).
  void flush();
  /// flush() with a limit: false when records were still unreported at the
  /// timeout (they stay in flight).
  bool flush(std::chrono::milliseconds timeout);

  /// Stops accepting records, waits up to `timeout` for the outstanding
  /// ones, reports the rest failed ("producer closed") and stops the
  /// actor. Idempotent; the destructor calls it with delivery_timeout.
  void close(std::chrono::milliseconds timeout);

  /// The producer id stamped on batches (-1 when not idempotent).
  std::int64_t producer_id() const noexcept;
  /// The epoch stamped on batches (the transaction coordinator's when
  /// transactional, else 0).
  std::int16_t producer_epoch() const noexcept { return epoch_; }

  // -- transactions (config.transactional_id set) ----------------------------

  /// Starts a transaction. Throws std::logic_error when the producer is not
  /// transactional or a transaction is open.
  void begin_transaction();
  /// Flushes, then commits: every record sent since begin_transaction()
  /// becomes visible to read_committed consumers, and offsets sent with it
  /// become the group's. Returns "" once committed, else why not; after a
  /// failed delivery the transaction cannot commit: abort it and create the
  /// producer again.
  std::string commit_transaction(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  /// Waits for what is in flight, then aborts: read_committed consumers
  /// never see the transaction's records. "" or why not.
  std::string abort_transaction(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  /// Makes `offsets` the committed offsets of `group_id` if and when the
  /// open transaction commits (consume-transform-produce). "" or why not.
  std::string send_offsets_to_transaction(const std::string& group_id, const std::vector<transaction_offset>& offsets,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

private:
  void enqueue(std::string topic, std::optional<std::string> key, std::optional<std::string> value,
               std::int64_t timestamp_ms, callback cb, std::shared_ptr<std::promise<delivery>> promise);
  void poke();
  // Transactions (actors/producer_txn.cpp).
  void init_transactions();
  std::string end_transaction(bool commit, std::chrono::milliseconds timeout);
  std::string register_topic(const std::string& topic);

  producer_config cfg_;
  caf::actor_system* sys_ = nullptr;
  std::int64_t producer_id_ = -1;
  std::int16_t epoch_ = 0;
  std::shared_ptr<detail::txn_state> txn_;
  std::shared_ptr<detail::producer_shared> shared_;
  caf::actor actor_;
};

} // namespace rivulet::actors
