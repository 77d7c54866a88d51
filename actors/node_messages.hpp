#pragma once

// Messages of a topic-store node (see docs/protocol.md, "Nodes"): raft
// traffic routed node to node with heartbeats coalesced, leader reports
// gossiped between nodes, and the client requests any node answers (admin,
// metadata, produce and fetch by topic and partition). Every type here
// serializes, so the same messages run inside one process (embedded
// cluster) and between processes (CAF middleman).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include "actors/topic_messages.hpp"
#include "runtime/raft/heartbeat_batcher.hpp"

namespace rivulet::raft {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_heartbeat& x) {
  auto type = static_cast<std::uint8_t>(x.type);
  auto load = [&]() -> caf::error {
    x.type = static_cast<message_type>(type);
    return caf::none;
  };
  return f(caf::meta::type_name("group_heartbeat"), x.group, type, x.term, x.commit,
           caf::meta::load_callback(load));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, coalesced_heartbeats& x) {
  return f(caf::meta::type_name("coalesced_heartbeats"), x.from, x.to, x.items);
}

} // namespace rivulet::raft

namespace rivulet::actors {

/// A partition replica's outgoing raft messages, handed to its node's
/// router (one message per ready cycle).
struct outbound_raft {
  std::int64_t group = 0;
  std::vector<raft::message> msgs;
};

/// Raft messages (appends, votes, replies) from node `from` for replicas on
/// the receiving node, in send order.
struct raft_route {
  std::int64_t from = 0;
  std::vector<raft_envelope> items;
};

/// What one replica knows of its partition, as gossiped between nodes.
struct replica_view {
  std::int64_t group = 0;
  std::int64_t node = 0;
  std::int64_t leader = 0;  ///< 0 = unknown
  std::uint64_t term = 0;
  std::int64_t high_watermark = 0;
  std::int64_t log_start = 0;
  std::int64_t log_end = 0;
  /// Leader only: followers holding every committed entry.
  std::vector<std::int64_t> in_sync;
  /// Leader only: an entry of its own term has committed, so its high
  /// watermark covers everything any earlier leader acknowledged.
  bool ready = false;
};

/// Node `from`'s replicas, sent to every peer node once per report interval.
struct replica_report {
  std::int64_t from = 0;
  std::vector<replica_view> replicas;
};

/// Admin: create a topic. Answered once the controller committed and this
/// node applied the command (or with the reason it was refused).
struct create_topic_request {
  std::string topic;
  std::int32_t partitions = 1;
  std::int16_t replication_factor = 1;
  std::map<std::string, std::string> configs;
  /// Times a node forwarded it toward the controller leader (bounded).
  std::int32_t hops = 0;
};

struct delete_topic_request {
  std::string topic;
  std::int32_t hops = 0;
};

struct admin_reply {
  bool ok = false;
  std::string error;
};

/// Metadata of the named topics (all topics when `topics` is empty).
struct metadata_request {
  std::vector<std::string> topics;
};

struct node_info {
  std::int64_t id = 0;
  std::string host;
  std::uint16_t port = 0;
  caf::actor handle;  ///< The node actor; invalid if this node cannot reach it.
};

struct partition_metadata {
  std::int32_t partition = 0;
  std::int64_t group = 0;
  std::int64_t leader = 0;  ///< node id, 0 = none known
  std::uint64_t leader_term = 0;
  std::vector<std::int64_t> replicas;
  std::vector<std::int64_t> in_sync;
  std::int64_t high_watermark = -1;  ///< -1 = unknown (no report from the leader yet)
  std::int64_t log_start = -1;
  std::int64_t log_end = -1;
};

struct topic_metadata {
  std::string name;
  std::string error;  ///< e.g. "unknown topic"
  std::int16_t replication_factor = 0;
  std::map<std::string, std::string> configs;
  std::vector<partition_metadata> partitions;
};

struct metadata_reply {
  std::int64_t answered_by = 0;
  std::int64_t controller_leader = 0;
  std::vector<node_info> nodes;
  std::vector<topic_metadata> topics;
};

/// Produce to partition `partition` of `topic` on the receiving node, which
/// must host the partition's leader (else not_leader with a hint).
/// Transaction markers (req.marker) are forwarded once to the leader's node.
struct topic_produce {
  std::string topic;
  std::int32_t partition = 0;
  produce_request req;
  std::int32_t hops = 0;
};

struct topic_fetch {
  std::string topic;
  std::int32_t partition = 0;
  fetch_request req;
};

/// Which actor coordinates consumer group `group` (Kafka's FindCoordinator).
/// Any node answers: the coordinator lives on the node leading the
/// partition of the internal offsets topic that the group hashes to.
/// `group` is a consumer group id, or with `transaction` a transactional id.
struct find_coordinator_request {
  std::string group;
  std::int32_t hops = 0;
  bool transaction = false;
};

struct find_coordinator_reply {
  bool ok = false;
  std::string error;  ///< retriable while the offsets topic has no leader
  std::int64_t node = 0;
  caf::actor coordinator;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, find_coordinator_request& x) {
  return f(caf::meta::type_name("find_coordinator_request"), x.group, x.hops, x.transaction);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, find_coordinator_reply& x) {
  return f(caf::meta::type_name("find_coordinator_reply"), x.ok, x.error, x.node, x.coordinator);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outbound_raft& x) {
  return f(caf::meta::type_name("outbound_raft"), x.group, x.msgs);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raft_route& x) {
  return f(caf::meta::type_name("raft_route"), x.from, x.items);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replica_view& x) {
  return f(caf::meta::type_name("replica_view"), x.group, x.node, x.leader, x.term, x.high_watermark,
           x.log_start, x.log_end, x.in_sync, x.ready);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replica_report& x) {
  return f(caf::meta::type_name("replica_report"), x.from, x.replicas);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_topic_request& x) {
  return f(caf::meta::type_name("create_topic_request"), x.topic, x.partitions, x.replication_factor,
           x.configs, x.hops);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_topic_request& x) {
  return f(caf::meta::type_name("delete_topic_request"), x.topic, x.hops);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_reply& x) {
  return f(caf::meta::type_name("admin_reply"), x.ok, x.error);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_request& x) {
  return f(caf::meta::type_name("metadata_request"), x.topics);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("node_info"), x.id, x.host, x.port, x.handle);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_metadata& x) {
  return f(caf::meta::type_name("partition_metadata"), x.partition, x.group, x.leader, x.leader_term,
           x.replicas, x.in_sync, x.high_watermark, x.log_start, x.log_end);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_metadata& x) {
  return f(caf::meta::type_name("topic_metadata"), x.name, x.error, x.replication_factor, x.configs,
           x.partitions);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_reply& x) {
  return f(caf::meta::type_name("metadata_reply"), x.answered_by, x.controller_leader, x.nodes, x.topics);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_produce& x) {
  return f(caf::meta::type_name("topic_produce"), x.topic, x.partition, x.req, x.hops);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_fetch& x) {
  return f(caf::meta::type_name("topic_fetch"), x.topic, x.partition, x.req);
}

} // namespace rivulet::actors
