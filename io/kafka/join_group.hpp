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

/// JoinGroup (key 11) versions this codec handles: 0..5, all non-flexible.
/// v1 adds rebalance_timeout_ms, v2 throttle time in the response, v5
/// group_instance_id (static membership); v3 and v4 keep the layout (v4
/// asks the broker for MEMBER_ID_REQUIRED on a first join). Fields per
/// apache/kafka's JoinGroupRequest.json and JoinGroupResponse.json.
inline constexpr std::int16_t join_group_min_version = 0;
inline constexpr std::int16_t join_group_max_version = 5;

/// One protocol a member offers; both fields view the frame. The metadata
/// is opaque to the coordinator (for "consumer": the subscription).
struct join_group_request_protocol {
  std::string_view name;
  bytes_view metadata;
};

/// JoinGroup request body. Views the frame, which must outlive it.
struct join_group_request {
  std::string_view group_id;
  std::int32_t session_timeout_ms = 0;
  /// On the wire from v1; a v0 request gets session_timeout_ms here, as in
  /// Kafka, which let v0 members rebalance within their session timeout.
  std::int32_t rebalance_timeout_ms = -1;
  std::string_view member_id; ///< Empty on a first join.
  std::optional<std::string_view> group_instance_id; ///< On the wire from v5.
  std::string_view protocol_type;
  /// In the member's order of preference.
  std::vector<join_group_request_protocol> protocols;
};

/// One member as listed to the leader, with its metadata for the chosen protocol.
struct join_group_response_member {
  std::string member_id;
  std::optional<std::string> group_instance_id; ///< On the wire from v5.
  std::string metadata;                         ///< Opaque bytes.
};

/// JoinGroup response body. Only the leader gets `members`.
struct join_group_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v2.
  std::int16_t error_code = kafka_error::none;
  std::int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<join_group_response_member> members;
};

/// Decodes the body of a JoinGroup request at `version` (0..5, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; a null metadata or trailing bytes are corrupted.
result<join_group_request> decode_join_group_request(wire_reader& body, std::int16_t version);

/// Encodes a JoinGroup request body; for clients and tests.
void encode_join_group_request(wire_writer& out, const join_group_request& req,
                               std::int16_t version);

/// Encodes a JoinGroup response body at `version` (0..5); fields newer
/// than `version` are left out.
void encode_join_group_response(wire_writer& out, const join_group_response& resp,
                                std::int16_t version);

} // namespace rivulet::io::kafka
