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

/// LeaveGroup (key 13) versions this codec handles: 0..3, all non-flexible.
/// v0..v2 name one member; v3 (KIP-345) a batch of members, each with an
/// optional group_instance_id, and answers per member. v1 adds throttle
/// time to the response. Fields per apache/kafka's LeaveGroupRequest.json
/// and LeaveGroupResponse.json.
inline constexpr std::int16_t leave_group_min_version = 0;
inline constexpr std::int16_t leave_group_max_version = 3;

/// A member leaving, as named in v3; views the frame.
struct leave_group_request_member {
  std::string_view member_id;
  std::optional<std::string_view> group_instance_id;
};

/// LeaveGroup request body. Views the frame, which must outlive it.
struct leave_group_request {
  std::string_view group_id;
  std::string_view member_id; ///< On the wire in v0..v2 only.
  std::vector<leave_group_request_member> members; ///< On the wire from v3.
};

/// The outcome for one member of a v3 LeaveGroup.
struct leave_group_response_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::int16_t error_code = kafka_error::none;
};

/// LeaveGroup response body.
struct leave_group_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v1.
  std::int16_t error_code = kafka_error::none;
  std::vector<leave_group_response_member> members; ///< On the wire from v3.
};

/// Decodes the body of a LeaveGroup request at `version` (0..3, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted.
result<leave_group_request> decode_leave_group_request(wire_reader& body, std::int16_t version);

/// Encodes a LeaveGroup request body; for clients and tests.
void encode_leave_group_request(wire_writer& out, const leave_group_request& req,
                                std::int16_t version);

/// Encodes a LeaveGroup response body at `version` (0..3); fields newer
/// than `version` are left out.
void encode_leave_group_response(wire_writer& out, const leave_group_response& resp,
                                 std::int16_t version);

} // namespace rivulet::io::kafka
