#pragma once

// N topic-store nodes in one process (demos, tests, `rivulet` embedded
// mode). Each node is a node actor with its own data directory; they talk
// by local messages, exactly the messages they exchange between processes.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/node_actor.hpp"

namespace rivulet::actors {

struct embedded_cluster_config {
  /// Node i keeps its data in base_dir/n<i>.
  std::string base_dir;
  int nodes = 3;
  std::chrono::milliseconds tick{20};
  cluster::fsync_policy fsync = cluster::fsync_policy::interval;
  std::chrono::milliseconds request_timeout{2000};
  std::int32_t offsets_partitions = 3;
  /// Consumer group settings of every node (see node_actor_config::groups).
  group::group_config groups;
  /// Simulation only: faults on the links between the nodes.
  std::shared_ptr<cluster::network_faults> faults;
};

/// Starts nodes 1..N on construction and stops them on destruction.
/// kill() crashes a node (exit_reason::kill, no clean shutdown); restart()
/// brings it back from its directory and introduces it to the others.
class embedded_cluster {
public:
  embedded_cluster(caf::actor_system& sys, embedded_cluster_config cfg);
  ~embedded_cluster();
  embedded_cluster(const embedded_cluster&) = delete;
  embedded_cluster& operator=(const embedded_cluster&) = delete;

  /// Node ids 1..N.
  std::vector<std::int64_t> ids() const;
  /// The node actor of `id`; invalid while the node is down.
  caf::actor node(std::int64_t id) const;
  /// Handles of the running nodes.
  std::vector<caf::actor> running() const;
  void kill(std::int64_t id);
  void restart(std::int64_t id);
  /// Stops every node and waits until they are gone.
  void stop();

private:
  void start(std::int64_t id);

  caf::actor_system& sys_;
  embedded_cluster_config cfg_;
  std::vector<cluster::node_address> addresses_;
  std::map<std::int64_t, caf::actor> nodes_;
};

} // namespace rivulet::actors
