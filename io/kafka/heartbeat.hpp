#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace rivulet::io::kafka {

/// Heartbeat (key 12) versions this codec handles: 0..3, all non-flexible.
/// v1 adds throttle time to the response, v3 group_instance_id; v2 keeps
/// v1's layout. Fields per apache/kafka's HeartbeatRequest.json and
/// HeartbeatResponse.json.
inline constexpr std::int16_t heartbeat_min_version = 0;
inline constexpr std::int16_t heartbeat_max_version = 3;

/// Heartbeat request body. Views the frame, which must outlive it.
struct heartbeat_request {
  std::string_view group_id;
  std::int32_t generation_id = -1;
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id; ///< On the wire from v3.
};

/// Heartbeat response body. REBALANCE_IN_PROGRESS (27) makes the member rejoin.
struct heartbeat_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v1.
  std::int16_t error_code = kafka_error::none;
};

/// Decodes the body of a Heartbeat request at `version` (0..3, else
/// unsupported). Trailing bytes are corrupted.
result<heartbeat_request> decode_heartbeat_request(wire_reader& body, std::int16_t version);

/// Encodes a Heartbeat request body; for clients and tests.
void encode_heartbeat_request(wire_writer& out, const heartbeat_request& req,
                              std::int16_t version);

/// Encodes a Heartbeat response body at `version` (0..3).
void encode_heartbeat_response(wire_writer& out, const heartbeat_response& resp,
                               std::int16_t version);

} // namespace rivulet::io::kafka
