#pragma once

// The transaction coordinator of one transactional id: an actor around
// group::txn_coordinator, hosted (like consumer-group coordinators) by the
// node leading the id's partition of __consumer_offsets, where it keeps its
// state as records. Design: docs/design/0002-transactions.md.

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "runtime/group/txn_coordinator.hpp"

namespace rivulet::actors {

struct txn_coordinator_config {
  std::string transactional_id;
  group::txn_coordinator_config txn;
  /// The internal partition it persists to and loads from (the local
  /// leader replica's actor: produce_request / fetch_request).
  caf::actor state_partition;
  /// The hosting node: markers go out as topic_produce (forwarded to each
  /// partition's leader), group coordinators are found with
  /// find_coordinator_request.
  caf::actor node;
  /// Stamped on markers (Kafka's coordinator epoch): the internal
  /// partition's raft term when this coordinator was started.
  std::int32_t coordinator_epoch = 0;
  std::chrono::milliseconds request_timeout{5000};
  /// How often timeouts are checked and unacknowledged markers resent.
  std::chrono::milliseconds tick_interval{100};
  int load_attempts = 3;
};

/// Spawns the coordinator. It answers init_producer_id_request,
/// add_to_txn_request and end_txn_request (actors/group_messages.hpp) with
/// Kafka's error codes; COORDINATOR_LOAD_IN_PROGRESS until it has replayed
/// its records, NOT_COORDINATOR for another id or once its partition is
/// gone (then it quits). Every state change is written with acks=all before
/// it is acted on. After a prepare state is durable it writes a marker to
/// every partition of the transaction and ends the pending offsets of every
/// group, retrying each until acknowledged, then writes the complete state
/// and answers EndTxn. A coordinator that loads a prepare state finishes it
/// the same way. Ongoing transactions past their timeout are aborted with a
/// bumped epoch, which fences the producer.
caf::actor spawn_txn_coordinator(caf::actor_system& sys, txn_coordinator_config cfg);

} // namespace rivulet::actors
