#pragma once

// N topic-store nodes in one process (demos, tests, `rivulet` embedded
// mode). Each node is a node actor with its own data directory; they talk
// by local messages, exactly the messages they exchange between processes.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/exit_reason.hpp>
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
///
/// kill() and stop() block on a scoped actor until the node and its
/// replicas are gone; that needs a threaded scheduler. A simulation on CAF's
/// testing scheduler uses kill_nowait() / stop_nowait() instead, runs the
/// scheduler until down() / all_down() hold, and only then restarts or
/// destroys the cluster (the destructor then has nothing left to stop).
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
  /// Stops node `id` gracefully (user_shutdown: its leaders hand their
  /// leadership over first) and waits until it and its replicas are gone.
  void shutdown(std::int64_t id);
  /// Starts node `id` again from its directory. False (and nothing done)
  /// while it runs or while a kill_nowait()/stop_nowait() of it is not down().
  bool restart(std::int64_t id);
  /// Stops every node and waits until they are gone.
  void stop();

  /// Crashes node `id` like kill() without waiting: a helper actor asks the
  /// node for its replicas, watches them and sends the node an urgent kill.
  /// node(id) is invalid from now on; down(id) turns true once the node and
  /// the replicas it named have terminated.
  void kill_nowait(std::int64_t id);
  /// Stops every running node like stop() (user_shutdown) without waiting.
  void stop_nowait();
  /// Whether node `id` is not running and every actor of its stopped
  /// incarnations has terminated, so that restart() may reopen its files.
  bool down(std::int64_t id) const;
  /// Whether down() holds for every node.
  bool all_down() const;

private:
  /// A node being stopped without waiting, and the flag its helper sets
  /// once the node and its replicas are gone.
  struct stopping_node {
    std::int64_t id = 0;
    caf::actor helper;  // kept so that CAF does not reap it as unreachable
    std::shared_ptr<std::atomic<bool>> gone;
  };

  void start(std::int64_t id);
  void stop_nowait(std::int64_t id, caf::exit_reason reason);
  void halt(std::int64_t id, caf::exit_reason reason);

  caf::actor_system& sys_;
  embedded_cluster_config cfg_;
  std::vector<cluster::node_address> addresses_;
  std::map<std::int64_t, caf::actor> nodes_;
  std::vector<stopping_node> stopping_;
};

} // namespace rivulet::actors
