#pragma once

// rivulet's native consumer: reads the partitions of topics from a
// topic-store cluster, either assigned by hand or shared with the other
// members of a consumer group. User guide: docs/topics.md.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "runtime/group/group_types.hpp"

namespace rivulet::actors {

using topic_partition = group::topic_partition;

struct consumer_config {
  /// Node actors to ask for metadata and coordinators first (any node will
  /// do). Must not be empty.
  std::vector<caf::actor> bootstrap;
  /// The consumer group; empty: no group (assign() only; commits refused).
  std::string group_id;
  /// Where a partition starts without a committed offset, or when its
  /// position is out of range: the log start or the high watermark.
  enum class offset_reset { earliest, latest };
  offset_reset auto_offset_reset = offset_reset::latest;
  /// read_committed (the default, as in librdkafka): records of open
  /// transactions are held back (fetches stop at the last stable offset)
  /// and those of aborted ones dropped; "latest" is the last stable offset.
  /// read_uncommitted: everything below the high watermark.
  enum class isolation { read_committed, read_uncommitted };
  isolation isolation_level = isolation::read_committed;
  /// Bytes one fetch of one partition may return (at least one batch), and
  /// about how much is read ahead per partition.
  std::int32_t fetch_max_bytes = 1 << 20;
  /// Records one poll() returns at most.
  std::size_t max_poll_records = 500;
  /// Long poll: how long a leader holds a fetch that finds no new data.
  std::chrono::milliseconds fetch_max_wait{500};
  /// Deadline of a request, on top of fetch_max_wait for fetches.
  std::chrono::milliseconds request_timeout{5000};
  /// Pause before a failed request is tried again.
  std::chrono::milliseconds retry_backoff{100};
  /// Group mode: how the group leader spreads partitions over members.
  /// Cooperative-sticky moves only the partitions that change hands,
  /// without stopping the others.
  enum class assignor { range, round_robin, cooperative_sticky };
  assignor assignment_strategy = assignor::range;
  std::chrono::milliseconds session_timeout{10000};
  std::chrono::milliseconds heartbeat_interval{3000};
  std::chrono::milliseconds rebalance_timeout{60000};
  std::string client_id = "rivulet-consumer";
};

/// One record as poll() returns it. A null key or value is nullopt.
struct consumer_record {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

namespace detail {
struct consumer_shared;
}

/// A consumer of one actor system. Its methods may be called from any
/// thread (one poller at a time is the usual use). Inside, one event-based
/// actor fetches ahead from every assigned partition's leader (long polls;
/// about fetch_max_bytes per partition, so memory stays bounded), refreshes
/// metadata and retries after errors, and in group mode joins the group,
/// heartbeats and follows rebalances.
///
/// Reads: only committed records (the leaders serve below the high
/// watermark), each partition in offset order, and no offset twice for one
/// position: records buffered before a seek() or a reassignment are dropped.
/// A position past the end waits there for data.
///
/// Group mode: subscribe() joins group_id; the group's leader member
/// assigns partitions with the configured assignor; a partition starts at
/// its committed offset, else at auto_offset_reset. Offsets are committed
/// only by commit_sync(), so records after the last commit are read again by
/// whoever owns the partition next. A rebalance drops the buffered records
/// of revoked partitions.
///
/// Destroying the consumer leaves the group (if it joined) and stops the actor.
class consumer {
public:
  consumer(caf::actor_system& sys, consumer_config cfg);
  ~consumer();
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;

  /// Reads exactly `partitions` from now on (replacing any assignment or
  /// subscription). Positions of partitions already assigned are kept; new
  /// ones start at their committed offset (with a group id) or at
  /// auto_offset_reset.
  void assign(std::vector<topic_partition> partitions);
  /// Joins the consumer group with these topics (group_id must be set; false
  /// otherwise). Partitions come with the group's assignment.
  bool subscribe(std::vector<std::string> topics);
  /// Leaves the group or drops the manual assignment.
  void unsubscribe();
  /// The partitions assigned now.
  std::vector<topic_partition> assignment() const;

  /// Records after the current positions, up to max_poll_records, spread
  /// over partitions; waits up to `timeout` for the first one. Advances the
  /// positions past what it returns.
  std::vector<consumer_record> poll(std::chrono::milliseconds timeout);

  /// The next poll() returns `tp`'s records from `offset`. false if `tp` is
  /// not assigned.
  bool seek(const topic_partition& tp, std::int64_t offset);
  /// Moves the positions to the log start / the high watermark (of all
  /// assigned partitions when `partitions` is empty).
  void seek_to_beginning(std::vector<topic_partition> partitions = {});
  void seek_to_end(std::vector<topic_partition> partitions = {});
  /// The offset of the next record poll() returns for `tp`, once known
  /// (a reset asks the leader); nullopt if not assigned or unknown after
  /// `timeout`. Batches without records (the no-op a new leader appends)
  /// are skipped once fetched: after poll() has returned everything below
  /// the high watermark, the position is the high watermark.
  std::optional<std::int64_t> position(const topic_partition& tp, std::chrono::milliseconds timeout);
  std::optional<std::int64_t> position(const topic_partition& tp);

  /// Commits the current positions of all assigned partitions (group mode
  /// or manual assignment with a group id) and waits until they are durable
  /// or failed. Returns the error text; empty when committed.
  std::string commit_sync();
  /// Commits the given offsets (the next record to read, as positions are).
  std::string commit_sync(const std::map<topic_partition, std::int64_t>& offsets);
  /// The group's committed offset of `tp`; nullopt when none, or when the
  /// coordinator could not be asked within request_timeout.
  std::optional<std::int64_t> committed(const topic_partition& tp);

  /// The member id and generation of the group membership ("" and -1
  /// outside group mode or before the first join).
  std::string member_id() const;
  std::int32_t generation() const;

private:
  void poke();

  consumer_config cfg_;
  std::shared_ptr<detail::consumer_shared> shared_;
  caf::actor actor_;
};

} // namespace rivulet::actors
