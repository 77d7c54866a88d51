#pragma once

// Internal to the producer: the batches of one partition, from the open
// batch that collects records to the reports of acknowledged or failed ones.
// Plain C++ (no CAF): the producer actor calls it and sends what it returns.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "actors/producer_shared.hpp"
#include "io/kafka/records.hpp"

namespace rivulet::actors::detail {

using steady_time = std::chrono::steady_clock::time_point;

/// What a partition queue needs from producer_config.
struct batching_settings {
  std::size_t batch_bytes = 16 * 1024;
  std::chrono::milliseconds linger{5};
  std::chrono::milliseconds delivery_timeout{120000};
  int max_in_flight = 5;
  /// -1: batches carry no producer stamp.
  std::int64_t producer_id = -1;
  /// The first epoch (a transaction coordinator's; 0 otherwise).
  std::int16_t epoch = 0;
  /// Batches are transactional. The coordinator owns the epoch then, so a
  /// broken sequence cannot move to a new epoch: every later batch fails.
  bool transactional = false;
  io::kafka::compression compression = io::kafka::compression::none;
};

/// Bytes a record takes in a batch, roughly (its varint framing at most).
inline std::size_t estimated_size(const io::kafka::plain_record& r) noexcept {
  return 24 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
}

/// One record's report, kept while its batch is on the way.
struct record_ticket {
  std::uint64_t serial = 0;
  std::size_t charge = 0;
  report_to report;
};

/// A batch whose outcome is known: offsets from `base_offset` (-1 when
/// unknown, acks=0) in record order, or `error` for every record.
struct finished_batch {
  std::vector<record_ticket> tickets;
  std::int64_t base_offset = -1;
  std::string error;
};

/// A batch to send now; `bytes` stays valid until the next call on the queue.
struct send_item {
  std::uint64_t request_id = 0;
  const std::string* bytes = nullptr;
};

/// The batches of one partition in sequence order. Batches are sent in
/// order, up to max_in_flight at once. After a retriable error nothing new
/// is sent until every in-flight batch has answered and the backoff has
/// passed; then sending restarts at the first unacknowledged batch, with
/// the same bytes (same producer stamp), so the leader drops what it already
/// has. Outcomes are reported front first, so a partition's records are
/// reported in order.
///
/// Giving up on a batch (delivery timeout at the front while nothing is in
/// flight, or a fatal answer) breaks the partition's sequence when stamped:
/// later batches that may have been written fail too ("outcome unknown"),
/// and the rest are stamped again with the next epoch from sequence 0.
class partition_queue {
public:
  partition_queue(std::string where, const batching_settings& settings);

  /// Adds a record to the open batch. Seals the open batch first when the
  /// record would not fit, and after it when it is full. Returns whether a
  /// batch was sealed (a sticky partitioner moves on).
  bool append(io::kafka::plain_record rec, record_ticket ticket, steady_time now);
  /// Seals the open batch once its linger has passed, or now when `force`.
  /// Returns whether it sealed one.
  bool seal_due(steady_time now, bool force);

  /// Marks the batches that may be sent now as in flight and returns them.
  std::vector<send_item> take_sendable(steady_time now, std::uint64_t& next_request_id);

  /// Answers to request `request_id`; answers to unknown ids are ignored.
  void on_ok(std::uint64_t request_id, std::int64_t base_offset);
  /// `written_maybe`: the error leaves open whether the leader appended it
  /// (a timeout), as opposed to a refusal.
  void on_retriable(std::uint64_t request_id, const std::string& error, bool written_maybe, steady_time retry_at);
  void on_fatal(std::uint64_t request_id, const std::string& error);

  /// Gives up what expired (only while nothing is in flight) and returns the
  /// batches at the front whose outcome is known.
  std::vector<finished_batch> take_finished(steady_time now);
  /// Reports everything still here (open, queued, in flight) failed.
  std::vector<finished_batch> fail_all(const std::string& error);

  /// When, after `now`, this queue next needs attention without an answer
  /// arriving: the open batch's linger, a retry backoff, the front batch's
  /// expiry.
  std::optional<steady_time> next_due(steady_time now) const;
  /// Whether batches wait to be sent (the actor then looks for the leader).
  bool wants_to_send() const;
  bool empty() const noexcept { return open_.records.empty() && batches_.empty(); }
  std::size_t in_flight() const noexcept { return in_flight_; }

private:
  enum class phase { queued, in_flight, done, failed };

  struct open_batch {
    std::vector<io::kafka::plain_record> records;
    std::vector<record_ticket> tickets;
    std::size_t bytes = 0;
    steady_time opened;
  };

  struct sealed_batch {
    std::string bytes;
    std::int32_t records = 0;
    std::int16_t epoch = -1;
    std::int32_t base_sequence = -1;
    std::vector<record_ticket> tickets;
    steady_time deadline;
    phase state = phase::queued;
    int attempts = 0;
    bool written_maybe = false;
    std::uint64_t request_id = 0;
    std::int64_t base_offset = -1;
    std::string error;  ///< the failure, or the last retriable error
  };

  bool stamped() const noexcept { return settings_.producer_id >= 0; }
  io::kafka::producer_stamp next_stamp() const;
  void seal();
  sealed_batch* find(std::uint64_t request_id);
  void give_up(sealed_batch& b, std::string error);
  void break_sequence();

  std::string where_;
  batching_settings settings_;
  open_batch open_;
  std::deque<sealed_batch> batches_;
  std::size_t in_flight_ = 0;
  /// Set by a retriable error: nothing is sent until the in-flight batches
  /// answered and retry_at_ passed.
  bool draining_ = false;
  steady_time retry_at_{};
  /// A batch was given up; the sequence restarts once nothing is in flight.
  bool broken_ = false;
  /// Transactional and broken: every new batch fails.
  bool poisoned_ = false;
  std::int16_t epoch_ = 0;
  std::int32_t next_sequence_ = 0;
};

} // namespace rivulet::actors::detail
