#pragma once

// Messages of the group coordinator actor (see docs/protocol.md, "Group
// coordinator"): Kafka's JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit and OffsetFetch as CAF payloads. They mirror the request and
// response structs of runtime/group (group_coordinator.hpp) with wire-friendly
// types: bytes as std::string, optionals as a has_ flag plus a value, error
// codes as Kafka's int16 numbers (group::wire_value). Every type is
// serializable, so clients may sit on another node.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace rivulet::actors {

/// One protocol a member offers in a join, with its metadata (for the
/// "consumer" protocol type: consumer_protocol subscription bytes).
struct join_protocol {
  std::string name;
  std::string metadata;
};

/// JoinGroup. An empty member_id is a first join: the reply carries
/// MEMBER_ID_REQUIRED (79) and the id to rejoin with (when
/// require_known_member_id, as JoinGroup v4+ does).
struct join_group_request {
  std::string group_id;
  std::string member_id;
  bool has_group_instance_id = false;
  std::string group_instance_id;
  std::string client_id;
  std::int32_t session_timeout_ms = 10000;
  std::int32_t rebalance_timeout_ms = 300000;
  std::string protocol_type;
  /// In the member's order of preference.
  std::vector<join_protocol> protocols;
  bool require_known_member_id = true;
};

/// One member as listed to the leader, with its metadata for the chosen protocol.
struct join_group_member {
  std::string member_id;
  bool has_group_instance_id = false;
  std::string group_instance_id;
  std::string metadata;
};

/// JoinGroup answer. The leader gets every member; the others none.
struct join_group_reply {
  std::int16_t error_code = 0;
  std::int32_t generation = -1;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<join_group_member> members;
};

/// One member's assignment, as the leader sends it in SyncGroup.
struct member_assignment {
  std::string member_id;
  std::string assignment;
};

/// SyncGroup. Only the leader's `assignments` are used; followers send none.
struct sync_group_request {
  std::string group_id;
  std::string member_id;
  std::int32_t generation = -1;
  std::vector<member_assignment> assignments;
};

/// SyncGroup answer: this member's assignment bytes as the leader gave them.
struct sync_group_reply {
  std::int16_t error_code = 0;
  std::string protocol_type;
  std::string protocol_name;
  std::string assignment;
};

struct heartbeat_request {
  std::string group_id;
  std::string member_id;
  std::int32_t generation = -1;
};

/// NONE, REBALANCE_IN_PROGRESS (27: rejoin), ILLEGAL_GENERATION (22),
/// UNKNOWN_MEMBER_ID (25), or a coordinator error (14, 15, 16).
struct heartbeat_reply {
  std::int16_t error_code = 0;
};

struct leave_group_request {
  std::string group_id;
  std::string member_id;
};

struct leave_group_reply {
  std::int16_t error_code = 0;
};

/// An offset to commit for one partition.
struct offset_commit_partition {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  bool has_metadata = false;
  std::string metadata;
};

/// OffsetCommit. generation -1 with an empty member id is a consumer with
/// manual assignment (or an admin), accepted only while the group is Empty.
///
/// With producer_id >= 0 it is Kafka's TxnOffsetCommit: the offsets stay
/// pending for that producer until its transaction ends (txn_offsets_end).
struct offset_commit_request {
  std::string group_id;
  std::string member_id;
  std::int32_t generation = -1;
  std::vector<offset_commit_partition> offsets;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
};

/// The outcome for one partition of an OffsetCommit.
struct partition_error {
  std::string topic;
  std::int32_t partition = 0;
  std::int16_t error_code = 0;
};

/// OffsetCommit answer: one entry per requested partition, in request order.
/// NONE means the offset is durable in the offsets partition.
struct offset_commit_reply {
  std::vector<partition_error> partitions;
};

/// A partition named in an OffsetFetch.
struct topic_partition_ref {
  std::string topic;
  std::int32_t partition = 0;
};

/// OffsetFetch of `partitions`, or of every committed partition when
/// has_partitions is false.
struct offset_fetch_request {
  std::string group_id;
  bool has_partitions = false;
  std::vector<topic_partition_ref> partitions;
};

/// A committed offset; offset -1 when nothing is committed.
struct offset_fetch_partition {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  bool has_metadata = false;
  std::string metadata;
  std::int16_t error_code = 0;
};

/// OffsetFetch answer. `error_code` is the group-level error (14 while the
/// coordinator loads, 16 for a group it does not coordinate); then
/// `partitions` is empty.
struct offset_fetch_reply {
  std::int16_t error_code = 0;
  std::vector<offset_fetch_partition> partitions;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_protocol& x) {
  return f(caf::meta::type_name("join_protocol"), x.name, x.metadata);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_group_request& x) {
  return f(caf::meta::type_name("join_group_request"), x.group_id, x.member_id, x.has_group_instance_id,
           x.group_instance_id, x.client_id, x.session_timeout_ms, x.rebalance_timeout_ms, x.protocol_type,
           x.protocols, x.require_known_member_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_group_member& x) {
  return f(caf::meta::type_name("join_group_member"), x.member_id, x.has_group_instance_id, x.group_instance_id,
           x.metadata);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_group_reply& x) {
  return f(caf::meta::type_name("join_group_reply"), x.error_code, x.generation, x.protocol_type, x.protocol_name,
           x.leader, x.member_id, x.members);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_assignment& x) {
  return f(caf::meta::type_name("member_assignment"), x.member_id, x.assignment);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync_group_request& x) {
  return f(caf::meta::type_name("sync_group_request"), x.group_id, x.member_id, x.generation, x.assignments);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync_group_reply& x) {
  return f(caf::meta::type_name("sync_group_reply"), x.error_code, x.protocol_type, x.protocol_name, x.assignment);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_request& x) {
  return f(caf::meta::type_name("heartbeat_request"), x.group_id, x.member_id, x.generation);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_reply& x) {
  return f(caf::meta::type_name("heartbeat_reply"), x.error_code);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leave_group_request& x) {
  return f(caf::meta::type_name("leave_group_request"), x.group_id, x.member_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leave_group_reply& x) {
  return f(caf::meta::type_name("leave_group_reply"), x.error_code);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offset_commit_partition& x) {
  return f(caf::meta::type_name("offset_commit_partition"), x.topic, x.partition, x.offset, x.has_metadata,
           x.metadata);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offset_commit_request& x) {
  return f(caf::meta::type_name("offset_commit_request"), x.group_id, x.member_id, x.generation, x.offsets,
           x.producer_id, x.producer_epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_error& x) {
  return f(caf::meta::type_name("partition_error"), x.topic, x.partition, x.error_code);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offset_commit_reply& x) {
  return f(caf::meta::type_name("offset_commit_reply"), x.partitions);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_partition_ref& x) {
  return f(caf::meta::type_name("topic_partition_ref"), x.topic, x.partition);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offset_fetch_request& x) {
  return f(caf::meta::type_name("offset_fetch_request"), x.group_id, x.has_partitions, x.partitions);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offset_fetch_partition& x) {
  return f(caf::meta::type_name("offset_fetch_partition"), x.topic, x.partition, x.offset, x.has_metadata,
           x.metadata, x.error_code);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offset_fetch_reply& x) {
  return f(caf::meta::type_name("offset_fetch_reply"), x.error_code, x.partitions);
}

// -- transactions (actors/txn_coordinator_actor.hpp) ---------------------------

/// InitProducerId with a transactional id. Reply: NONE with the producer id
/// and epoch, or a Kafka error code (CONCURRENT_TRANSACTIONS: retry).
struct init_producer_id_request {
  std::string transactional_id;
  std::int32_t timeout_ms = 60000;
};

struct init_producer_id_reply {
  std::int16_t error_code = 0;
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
};

/// AddPartitionsToTxn (topics[i], partitions[i] pairs) or, with a non-empty
/// group, AddOffsetsToTxn. One error code for the whole request.
struct add_to_txn_request {
  std::string transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  std::vector<std::string> topics;
  std::vector<std::int32_t> partitions;
  std::string group;
};

/// EndTxn. Answered once the markers are written and the transaction is
/// complete, so a read_committed consumer sees a committed transaction as
/// soon as commit returns.
struct end_txn_request {
  std::string transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  bool commit = false;
};

/// The reply of add_to_txn_request, end_txn_request and txn_offsets_end.
struct txn_reply {
  std::int16_t error_code = 0;
};

/// From a transaction coordinator to a group coordinator: the transaction
/// of `producer_id` ended; its pending offsets become committed (commit)
/// or are dropped (abort).
struct txn_offsets_end {
  std::string group_id;
  std::int64_t producer_id = -1;
  bool commit = false;
  /// The transaction's epoch: pending offsets of other epochs are dropped.
  std::int16_t producer_epoch = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, init_producer_id_request& x) {
  return f(caf::meta::type_name("init_producer_id_request"), x.transactional_id, x.timeout_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, init_producer_id_reply& x) {
  return f(caf::meta::type_name("init_producer_id_reply"), x.error_code, x.producer_id, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, add_to_txn_request& x) {
  return f(caf::meta::type_name("add_to_txn_request"), x.transactional_id, x.producer_id, x.epoch, x.topics,
           x.partitions, x.group);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, end_txn_request& x) {
  return f(caf::meta::type_name("end_txn_request"), x.transactional_id, x.producer_id, x.epoch, x.commit);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, txn_reply& x) {
  return f(caf::meta::type_name("txn_reply"), x.error_code);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, txn_offsets_end& x) {
  return f(caf::meta::type_name("txn_offsets_end"), x.group_id, x.producer_id, x.commit, x.producer_epoch);
}

} // namespace rivulet::actors
