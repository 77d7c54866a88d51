#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// Metadata (key 3) versions this codec decodes and encodes: 1..7, all
/// non-flexible. librdkafka 2.0.2 uses up to v4 (see
/// shared/notes/kafka-protocol.md); v5 adds offline replicas, v7 leader
/// epochs. v0 (where an empty topic list means all topics;
/// kafka-python probes with it) decodes to "all topics".
inline constexpr std::int16_t metadata_min_version = 0;
inline constexpr std::int16_t metadata_max_version = 7;

/// Metadata request. Topic names view the frame.
struct metadata_request {
  /// nullopt: all topics. An empty list: no topics (brokers only).
  std::optional<std::vector<std::string_view>> topics;
  bool allow_auto_topic_creation = true; ///< On the wire from v4.
};

struct metadata_broker {
  std::int32_t node_id = 0;
  std::string host;
  std::int32_t port = 0;
  std::optional<std::string> rack;
};

struct metadata_partition {
  std::int16_t error_code = kafka_error::none;
  std::int32_t partition_index = 0;
  std::int32_t leader_id = -1;
  std::int32_t leader_epoch = -1; ///< On the wire from v7.
  std::vector<std::int32_t> replica_nodes;
  std::vector<std::int32_t> isr_nodes;
  std::vector<std::int32_t> offline_replicas; ///< On the wire from v5.
};

struct metadata_topic {
  std::int16_t error_code = kafka_error::none;
  std::string name;
  bool is_internal = false;
  std::vector<metadata_partition> partitions;
};

/// Metadata response body.
struct metadata_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v3.
  std::vector<metadata_broker> brokers;
  std::optional<std::string> cluster_id; ///< On the wire from v2.
  std::int32_t controller_id = -1;
  std::vector<metadata_topic> topics;
};

/// Decodes the body of a Metadata request at `version` (1..7, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted.
result<metadata_request> decode_metadata_request(wire_reader& body, std::int16_t version);

/// Encodes a Metadata request body; for clients and tests.
void encode_metadata_request(wire_writer& out, const metadata_request& req,
                             std::int16_t version);

/// Encodes a Metadata response body at `version` (1..7). Fields newer than
/// `version` are left out.
void encode_metadata_response(wire_writer& out, const metadata_response& resp,
                              std::int16_t version);

} // namespace rivulet::io::kafka
