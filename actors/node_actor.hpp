#pragma once

// One node of the topic store: hosts this node's replica of the controller
// group and of every partition placed on it, routes raft traffic to peer
// nodes (coalescing heartbeats), supervises its replicas, applies the
// controller log to its topic table and answers clients. See
// docs/design/0001-topic-store.md (4.7, 4.10, 4.11) and docs/protocol.md.

#include <memory>

#include <caf/fwd.hpp>

#include "runtime/cluster/network_faults.hpp"
#include "runtime/cluster/node_config.hpp"
#include "runtime/group/group_coordinator.hpp"

namespace rivulet::actors {

struct node_actor_config {
  cluster::node_config node;
  /// Reach peers through CAF's middleman at their configured host:port
  /// (`rivulet node`). Off in embedded mode, where the embedder introduces
  /// the nodes with (hello_atom, id, handle).
  bool use_middleman = false;
  /// Ticks between replica reports gossiped to peers.
  int report_every_ticks = 2;
  /// Restarts of one replica before it is left down (logged).
  int max_restarts = 20;
  /// Settings of the consumer groups this node coordinates (Kafka's
  /// defaults: sessions of at least 6 s, a 3 s initial rebalance delay).
  group::group_config groups;
  /// Simulation only: faults applied to every node-to-node message this
  /// node sends (raft routes, heartbeats, reports). Shared by all nodes.
  std::shared_ptr<cluster::network_faults> faults;
};

/// Spawns the node actor. It creates `node.data_dir` if needed; a replica
/// that cannot open stops and is restarted with a delay. Handles:
///  - (hello_atom, int64 id, actor node): a peer node's handle (monitored);
///  - create_topic_request / delete_topic_request -> admin_reply;
///  - metadata_request -> metadata_reply;
///  - topic_produce -> produce_reply, topic_fetch -> fetch_reply;
///  - find_coordinator_request -> find_coordinator_reply: the coordinator
///    actor of a consumer group, hosted by the node leading the group's
///    partition of the offsets topic (created on first use);
///  - raft_route, coalesced_heartbeats, replica_report from peers,
///    outbound_raft from its own replicas.
/// An exit message stops its replicas and then the node.
caf::actor spawn_node(caf::actor_system& sys, node_actor_config cfg);

} // namespace rivulet::actors
