#pragma once

// Kafka's "consumer" embedded protocol: the bytes a consumer puts in its
// JoinGroup protocol metadata (subscription) and the bytes the leader puts
// in SyncGroup (assignment). Schemas: apache/kafka clients/src/main/resources/
// common/message/ConsumerProtocolSubscription.json and
// ConsumerProtocolAssignment.json; non-flexible encoding, big-endian.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/group/group_types.hpp"

namespace rivulet::group {

/// The protocol type consumers use in JoinGroup.
inline constexpr const char* consumer_protocol_type = "consumer";

/// A topic with some of its partitions, as the consumer protocol lists them.
struct topic_partitions {
  std::string topic;
  std::vector<std::int32_t> partitions;

  friend bool operator==(const topic_partitions& a, const topic_partitions& b) {
    return a.topic == b.topic && a.partitions == b.partitions;
  }
};

/// A member's subscription (ConsumerProtocolSubscription).
/// v0: int16 version, [topic], nullable user_data.
/// v1: + [owned topic, [partition]].  v2: + int32 generation.
struct consumer_subscription {
  /// Version read from or written to the bytes.
  std::int16_t version = 1;
  std::vector<std::string> topics;
  std::optional<bytes> user_data;
  /// v1+: partitions the member owns now (cooperative rebalancing).
  std::vector<topic_partitions> owned_partitions;
  /// v2+: the generation in which it owned them; -1 unknown.
  std::int32_t generation = -1;

  friend bool operator==(const consumer_subscription& a, const consumer_subscription& b) {
    return a.version == b.version && a.topics == b.topics && a.user_data == b.user_data
           && a.owned_partitions == b.owned_partitions && a.generation == b.generation;
  }
};

/// A member's assignment (ConsumerProtocolAssignment; v0-v2 share one
/// layout): int16 version, [topic, [partition]], nullable user_data.
struct consumer_assignment {
  std::int16_t version = 1;
  std::vector<topic_partitions> partitions;
  std::optional<bytes> user_data;

  friend bool operator==(const consumer_assignment& a, const consumer_assignment& b) {
    return a.version == b.version && a.partitions == b.partitions && a.user_data == b.user_data;
  }
};

/// Encodes `s` at `s.version` (0, 1 or 2; fields above it are left out).
bytes encode_subscription(const consumer_subscription& s);
/// Decodes any version >= 0. A version newer than 2 is read as version 2
/// and its extra trailing fields (e.g. v3's rack id) are ignored, as Kafka's
/// clients do.
decode_result<consumer_subscription> decode_subscription(const bytes& b);

/// Encodes `a` at `a.version` (0, 1 or 2).
bytes encode_assignment(const consumer_assignment& a);
/// Decodes any version >= 0; zero bytes (what the coordinator hands a
/// member the leader gave nothing) decode to an empty assignment.
decode_result<consumer_assignment> decode_assignment(const bytes& b);

/// Flattens to sorted topic-partitions.
std::vector<topic_partition> flatten(const std::vector<topic_partitions>& tps);
/// Groups topic-partitions by topic, topics and partitions sorted.
std::vector<topic_partitions> group_by_topic(std::vector<topic_partition> tps);

} // namespace rivulet::group
