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

/// OffsetCommit (key 8) versions this codec handles: 2..7, all
/// non-flexible. v2..v4 carry retention_time_ms (v5 drops it: retention is
/// the broker's setting), v3 adds throttle time to the response, v6
/// committed_leader_epoch, v7 group_instance_id. v0/v1 (ZooKeeper-era
/// commit timestamps) are not supported. Fields per apache/kafka's
/// OffsetCommitRequest.json and OffsetCommitResponse.json.
inline constexpr std::int16_t offset_commit_min_version = 2;
inline constexpr std::int16_t offset_commit_max_version = 7;

struct offset_commit_request_partition {
  std::int32_t partition_index = 0;
  std::int64_t committed_offset = -1;
  std::int32_t committed_leader_epoch = -1; ///< On the wire from v6.
  std::optional<std::string_view> committed_metadata; ///< Views the frame.
};

struct offset_commit_request_topic {
  std::string_view name; ///< Views the frame.
  std::vector<offset_commit_request_partition> partitions;
};

/// OffsetCommit request body. generation_id -1 with an empty member_id is
/// a consumer that assigns partitions itself. Views the frame, which must
/// outlive it.
struct offset_commit_request {
  std::string_view group_id;
  std::int32_t generation_id = -1;
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id; ///< On the wire from v7.
  std::int64_t retention_time_ms = -1; ///< On the wire in v2..v4; -1 = broker default.
  std::vector<offset_commit_request_topic> topics;
};

struct offset_commit_response_partition {
  std::int32_t partition_index = 0;
  std::int16_t error_code = kafka_error::none;
};

struct offset_commit_response_topic {
  std::string name;
  std::vector<offset_commit_response_partition> partitions;
};

/// OffsetCommit response body: one entry per requested partition.
struct offset_commit_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v3.
  std::vector<offset_commit_response_topic> topics;
};

/// Decodes the body of an OffsetCommit request at `version` (2..7, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted.
result<offset_commit_request> decode_offset_commit_request(wire_reader& body,
                                                           std::int16_t version);

/// Encodes an OffsetCommit request body; for clients and tests.
void encode_offset_commit_request(wire_writer& out, const offset_commit_request& req,
                                  std::int16_t version);

/// Encodes an OffsetCommit response body at `version` (2..7).
void encode_offset_commit_response(wire_writer& out, const offset_commit_response& resp,
                                   std::int16_t version);

} // namespace rivulet::io::kafka
