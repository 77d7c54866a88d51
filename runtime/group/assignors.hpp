#pragma once

// Partition assignors as a group leader runs them: range, round-robin,
// sticky and cooperative-sticky. Pure functions, deterministic: equal
// inputs give equal outputs on every node.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/group/consumer_protocol.hpp"
#include "runtime/group/group_types.hpp"

namespace rivulet::group {

/// What the leader knows of one member.
struct member_subscription {
  std::string member_id;
  /// Topics the member subscribes to.
  std::vector<std::string> topics;
  /// Partitions it owned in `generation` (sticky assignors only).
  std::vector<topic_partition> owned;
  /// Generation of `owned`; -1 when unknown (subscription v0/v1).
  std::int32_t generation = -1;
};

/// Partition count per topic, from the leader's metadata. Subscribed topics
/// missing here are skipped.
using partition_counts = std::map<std::string, std::int32_t>;

/// Assigned partitions per member id, each sorted; every member of the
/// input appears, possibly with nothing.
using assignment = std::map<std::string, std::vector<topic_partition>>;

/// Builds the leader's view of a member from its decoded subscription.
member_subscription to_member_subscription(std::string member_id,
                                           const consumer_subscription& s);

/// Kafka's "range": per topic, the subscribed members sorted by id split
/// the partitions into contiguous ranges; the first (count % members)
/// members get one extra.
assignment assign_range(const std::vector<member_subscription>& members,
                        const partition_counts& counts);

/// Kafka's "roundrobin": all subscribed topic-partitions sorted by (topic,
/// partition) are dealt in turn over the members sorted by id, skipping
/// members not subscribed to a partition's topic.
assignment assign_round_robin(const std::vector<member_subscription>& members,
                              const partition_counts& counts);

/// Balanced and sticky: each member keeps the partitions it owns that are
/// still valid (topic exists and is subscribed; no newer or equal-generation
/// rival claim), free partitions go to the least-loaded subscribed members,
/// then partitions move one at a time from the most- to the least-loaded
/// eligible member until no such move narrows the gap. With equal
/// subscriptions the result differs by at most one partition between
/// members and moves the fewest owned partitions possible.
assignment assign_sticky(const std::vector<member_subscription>& members,
                         const partition_counts& counts);

/// Cooperative-sticky: assign_sticky, minus every partition that would
/// change hands from a current valid owner. The owner drops it in this
/// rebalance (its assignment no longer lists it, so it revokes), and the
/// next rebalance, where nobody owns it, gives it to its new member.
assignment assign_cooperative_sticky(const std::vector<member_subscription>& members,
                                     const partition_counts& counts);

/// Encodes each member's partitions as consumer-protocol assignment bytes
/// (version 1, no user data), ready for SyncGroup.
std::map<std::string, bytes> encode_assignments(const assignment& a);

} // namespace rivulet::group
