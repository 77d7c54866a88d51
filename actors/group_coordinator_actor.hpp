#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "runtime/group/group_coordinator.hpp"

namespace rivulet::actors {

struct group_coordinator_config {
  /// The group this actor coordinates; overrides `group.group_id`.
  std::string group_id;
  /// Timeouts, sizes and the member id seed of the state machine.
  group::group_config group;
  /// How often sessions, the initial delay and rebalance timeouts are checked.
  std::chrono::milliseconds tick_interval{100};
  /// The offsets partition (Kafka's __consumer_offsets): answers
  /// produce_request -> produce_reply and fetch_request -> fetch_reply. Today
  /// the partition actor leading it; it should have committed an entry of its
  /// own term before the coordinator loads (design 0001, 4.4), else its high
  /// watermark may trail the last acknowledged commit.
  caf::actor offsets_partition;
  /// Deadline of each produce (OffsetCommit) and each load fetch.
  std::chrono::milliseconds request_timeout{5000};
  /// Failed load fetches tolerated before the coordinator gives up.
  int load_attempts = 3;
  std::int32_t load_fetch_max_bytes = 1 << 20;
};

/// Spawns the coordinator of one consumer group: an actor around a
/// group::group_coordinator that speaks the messages of
/// actors/group_messages.hpp (Kafka's classic join/sync/heartbeat protocol).
///
/// Load. It first reads the offsets partition from offset 0 up to the high
/// watermark of its first fetch and replays the offset records of its group
/// (other groups' records are skipped; raft no-ops are control batches and
/// skipped). Until then every request gets COORDINATOR_LOAD_IN_PROGRESS (14).
///
/// Commits. An OffsetCommit's records go to the offsets partition as one
/// record batch v2 with acks=all and `request_timeout`. The reply waits for
/// the acknowledgement; on failure the accepted partitions get
/// NOT_COORDINATOR (16) or REQUEST_TIMED_OUT (7). OffsetFetch only ever
/// shows acknowledged commits: the state machine's own write is undone at
/// once and the records are applied by replay() when the ack arrives, the
/// same path a load takes. A timed-out commit may still become durable (as in
/// Kafka); it shows after the next load, and the client retries anyway.
///
/// Failure. The actor monitors `offsets_partition`. When it goes down, the
/// group is unloaded (parked joins and syncs and unacknowledged commits get
/// NOT_COORDINATOR) and the actor quits with sec::runtime_error naming the
/// group; so it does when loading fails `load_attempts` times. A request for
/// another group gets NOT_COORDINATOR.
caf::actor spawn_group_coordinator(caf::actor_system& sys, group_coordinator_config cfg);

} // namespace rivulet::actors
