#pragma once

#include <chrono>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/partition_actor.hpp"

namespace rivulet::actors {

struct replica_supervisor_config {
  /// The replicas this supervisor hosts (in embedded mode: all of a group).
  std::vector<partition_actor_config> replicas;
  /// Restarts allowed per replica before it is given up (logged).
  int max_restarts = 10;
  std::chrono::milliseconds restart_delay{20};
};

/// Spawns a supervisor that spawns and monitors the given partition
/// replicas, tells each where its peers are, and restarts a replica that
/// stops abnormally from its directory (log + raft state), then tells
/// every replica the new handle. `replicas_atom` answers the current
/// handles as a peers_msg, so clients re-resolve after a restart. An exit
/// message to the supervisor stops its replicas with the same reason.
caf::actor spawn_replica_supervisor(caf::actor_system& sys, replica_supervisor_config cfg);

} // namespace rivulet::actors
