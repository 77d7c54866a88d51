#pragma once

#include "io/errors.hpp"
#include "io/kafka/bytes.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// SyncGroup (key 14) versions this codec handles: 0..3, all non-flexible.
/// v1 adds throttle time to the response, v3 group_instance_id; v2 keeps
/// v1's layout. Fields per apache/kafka's SyncGroupRequest.json and
/// SyncGroupResponse.json.
inline constexpr std::int16_t sync_group_min_version = 0;
inline constexpr std::int16_t sync_group_max_version = 3;

/// One member's assignment as the leader sends it; views the frame.
struct sync_group_request_assignment {
  std::string_view member_id;
  bytes_view assignment; ///< Opaque to the coordinator.
};

/// SyncGroup request body. Only the leader sends assignments. Views the
/// frame, which must outlive it.
struct sync_group_request {
  std::string_view group_id;
  std::int32_t generation_id = -1;
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id; ///< On the wire from v3.
  std::vector<sync_group_request_assignment> assignments;
};

/// SyncGroup response body: this member's assignment.
struct sync_group_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v1.
  std::int16_t error_code = kafka_error::none;
  std::string assignment; ///< Opaque bytes.
};

/// Decodes the body of a SyncGroup request at `version` (0..3, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; a null assignment or trailing bytes are corrupted.
result<sync_group_request> decode_sync_group_request(wire_reader& body, std::int16_t version);

/// Encodes a SyncGroup request body; for clients and tests.
void encode_sync_group_request(wire_writer& out, const sync_group_request& req,
                               std::int16_t version);

/// Encodes a SyncGroup response body at `version` (0..3).
void encode_sync_group_response(wire_writer& out, const sync_group_response& resp,
                                std::int16_t version);

} // namespace rivulet::io::kafka
