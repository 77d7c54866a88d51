#pragma once

#include <chrono>
#include <filesystem>

#include <caf/actor.hpp>

#include "state/partition/replica.hpp"

namespace rivulet::actors {

struct partition_actor_config {
  /// Where the replica keeps its log and raft state.
  std::filesystem::path dir;
  state::replica_config replica;
  /// Real time per raft tick (election timeout = election_ticks ticks).
  std::chrono::milliseconds tick_interval{10};
  /// The node's raft router. When set, the actor arms no timer of its own
  /// (the router sends tick_atom to every local replica) and hands its
  /// outgoing raft messages to the router as one outbound_raft per ready
  /// cycle, which coalesces heartbeats across groups. When unset, it ticks
  /// itself and sends raft_envelope to the peers of its peers_msg.
  caf::actor router;
  /// This replica's node id, for replica_view reports.
  std::int64_t node = 0;
};

/// Spawns the actor hosting one replica of one partition. It opens the
/// replica from `dir` (recovering its log), ticks raft, exchanges
/// raft_envelope messages with the peers given by a peers_msg, and serves
/// produce_request (acks 0, 1, all), fetch_request (with long poll),
/// status_atom and report_atom (a replica_view). A replica
/// that cannot open or hits a storage error stops with that error as exit
/// reason (its supervisor restarts it from disk).
caf::actor spawn_partition_actor(caf::actor_system& sys, partition_actor_config cfg);

} // namespace rivulet::actors
