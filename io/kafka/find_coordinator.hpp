#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rivulet::io::kafka {

/// FindCoordinator (key 10) versions this codec handles: 0..2, all
/// non-flexible. v1 adds key_type to the request and throttle time and
/// error_message to the response; v2 has v1's layout. v3 is flexible and
/// v4 batches keys: neither is supported. Fields per apache/kafka's
/// FindCoordinatorRequest.json and FindCoordinatorResponse.json.
inline constexpr std::int16_t find_coordinator_min_version = 0;
inline constexpr std::int16_t find_coordinator_max_version = 2;

/// What a FindCoordinator key names.
inline constexpr std::int8_t coordinator_key_group = 0;
inline constexpr std::int8_t coordinator_key_transaction = 1;

/// FindCoordinator request body.
struct find_coordinator_request {
  std::string_view key; ///< Group id or transactional id; views the frame.
  std::int8_t key_type = coordinator_key_group; ///< On the wire from v1.
};

/// FindCoordinator response body.
struct find_coordinator_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v1.
  std::int16_t error_code = kafka_error::none;
  std::optional<std::string> error_message; ///< On the wire from v1.
  std::int32_t node_id = -1;
  std::string host;
  std::int32_t port = -1;
};

/// Decodes the body of a FindCoordinator request at `version` (0..2, else
/// unsupported). Trailing bytes are corrupted. `key` views `body`'s bytes.
result<find_coordinator_request> decode_find_coordinator_request(wire_reader& body,
                                                                 std::int16_t version);

/// Encodes a FindCoordinator request body; for clients and tests.
void encode_find_coordinator_request(wire_writer& out, const find_coordinator_request& req,
                                     std::int16_t version);

/// Encodes a FindCoordinator response body at `version` (0..2); fields
/// newer than `version` are left out.
void encode_find_coordinator_response(wire_writer& out, const find_coordinator_response& resp,
                                      std::int16_t version);

} // namespace rivulet::io::kafka
