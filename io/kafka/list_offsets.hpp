#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// ListOffsets (key 2) versions this codec handles: 1..5, all non-flexible.
/// v0 (max_num_offsets, old-style offset arrays) is not supported; v2 adds
/// isolation_level and throttle time, v4 leader epochs. Fields per
/// apache/kafka's ListOffsetsRequest.json and ListOffsetsResponse.json.
inline constexpr std::int16_t list_offsets_min_version = 1;
inline constexpr std::int16_t list_offsets_max_version = 5;

/// Special timestamps of a partition query.
inline constexpr std::int64_t list_offsets_latest = -1;
inline constexpr std::int64_t list_offsets_earliest = -2;

struct list_offsets_partition {
  std::int32_t partition_index = 0;
  std::int32_t current_leader_epoch = -1; ///< On the wire from v4.
  std::int64_t timestamp = list_offsets_latest;
};

struct list_offsets_topic {
  std::string_view name; ///< Views the frame.
  std::vector<list_offsets_partition> partitions;
};

/// ListOffsets request body.
struct list_offsets_request {
  std::int32_t replica_id = -1;
  std::int8_t isolation_level = 0; ///< On the wire from v2.
  std::vector<list_offsets_topic> topics;
};

struct list_offsets_partition_response {
  std::int32_t partition_index = 0;
  std::int16_t error_code = kafka_error::none;
  std::int64_t timestamp = -1;
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1; ///< On the wire from v4.
};

struct list_offsets_topic_response {
  std::string name;
  std::vector<list_offsets_partition_response> partitions;
};

/// ListOffsets response body.
struct list_offsets_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v2.
  std::vector<list_offsets_topic_response> topics;
};

/// Decodes the body of a ListOffsets request at `version` (1..5, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted. Names view `body`'s bytes.
result<list_offsets_request> decode_list_offsets_request(wire_reader& body,
                                                         std::int16_t version);

/// Encodes a ListOffsets request body; for clients and tests.
void encode_list_offsets_request(wire_writer& out, const list_offsets_request& req,
                                 std::int16_t version);

/// Encodes a ListOffsets response body at `version` (1..5); fields newer
/// than `version` are left out.
void encode_list_offsets_response(wire_writer& out, const list_offsets_response& resp,
                                  std::int16_t version);

} // namespace rivulet::io::kafka
