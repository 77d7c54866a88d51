#pragma once

// Internals of the node actor, shared by its three files: node_actor.cpp
// (behaviour, raft routing, reports, supervision), node_controller.cpp
// (controller log, topic table, local replicas, admin proposals) and
// node_clients.cpp (metadata, routing by topic, group coordinators).
// Not for use outside them.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/node_actor.hpp"
#include "actors/partition_actor.hpp"
#include "actors/type_ids.hpp"
#include "runtime/cluster/topic_table.hpp"
#include "runtime/raft/heartbeat_batcher.hpp"

namespace rivulet::actors::node_detail {

namespace fs = std::filesystem;

/// A replica this node hosts (the controller's is group 0).
struct local_replica {
  std::string name;  // "topic-p" or "controller", for logs
  partition_actor_config cfg;
  caf::actor handle;
  int restarts = 0;
  bool deleting = false;
};

struct node_state {
  static inline const char* name = "rivulet.node";
  node_actor_config cfg;
  std::unique_ptr<cluster::topic_table> table;
  std::map<std::int64_t, local_replica> replicas;
  std::map<std::int64_t, caf::actor> peers;
  raft::heartbeat_batcher heartbeats;
  /// Best known view of every group: the leader's own report, else the
  /// newest term seen.
  std::map<std::int64_t, replica_view> views;
  /// Admin requests waiting for their controller command to be applied,
  /// by the command's controller offset.
  std::map<std::int64_t, std::function<void(admin_reply)>> pending_admin;
  /// Controller offset to read next.
  std::int64_t controller_next = 0;
  bool controller_read_in_flight = false;
  bool reports_in_flight = false;
  std::uint64_t ticks = 0;
  bool stopping = false;
  /// A graceful stop is handing leaderships over before stopping.
  bool draining = false;
  std::string where;  // "node N"
  /// Consumer group coordinators hosted here, with the raft group of the
  /// offsets partition each one writes to.
  std::map<std::string, std::pair<caf::actor, std::int64_t>> coordinators;
  std::uint64_t coordinator_incarnations = 0;
};

/// Kafka's name for the internal topic that stores committed offsets.
constexpr const char* offsets_topic = "__consumer_offsets";

using node_t = caf::stateful_actor<node_state>;

inline std::int64_t self_id(node_t* self) {
  return self->state.cfg.node.id;
}

/// Sends node-to-node traffic to peer `to`, through the fault injector
/// when the node runs in a simulation.
template <class Message>
void send_peer(node_t* self, std::int64_t to, const caf::actor& peer, Message&& msg) {
  auto& faults = self->state.cfg.faults;
  if (!faults) {
    self->send(peer, std::forward<Message>(msg));
    return;
  }
  auto d = faults->decide(self_id(self), to);
  if (d.drop)
    return;
  for (int i = 0; i < d.copies; ++i) {
    if (d.delay_ms > 0)
      self->delayed_send(peer, std::chrono::milliseconds(d.delay_ms), msg);
    else
      self->send(peer, msg);
  }
}

/// Keeps the best view of a group: the leader's own report, else the newest term.
void update_view(node_t* self, const replica_view& v);

// node_controller.cpp
void spawn_replica(node_t* self, std::int64_t group);
void add_replica(node_t* self, std::int64_t group, std::string name, std::vector<std::int64_t> voters,
                 fs::path dir);
void reconcile(node_t* self);
void read_controller(node_t* self);
admin_reply admin_error(std::string text);
/// Proposes `cmd` to the controller; calls `done` once applied here, or
/// forwards the request to the controller leader's node (create and delete
/// requests are instantiated).
template <class Request>
void propose(node_t* self, Request req, const cluster::command& cmd, std::function<void(admin_reply)> done);

// node_clients.cpp
metadata_reply describe(node_t* self, const metadata_request& req);
/// The local replica of (topic, partition), or nullptr with an error text
/// naming the leader's node when known.
const local_replica* route(node_t* self, const std::string& topic, std::int32_t partition, std::string& error,
                           std::int64_t& leader);
caf::result<find_coordinator_reply> find_coordinator(node_t* self, find_coordinator_request req);

} // namespace rivulet::actors::node_detail
