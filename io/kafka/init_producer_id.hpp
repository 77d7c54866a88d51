#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace rivulet::io::kafka {

/// InitProducerId (key 22) versions this codec handles: 0..1, which share
/// one layout (v1 only changes how throttling is reported). v2 is flexible
/// and v3 adds the current producer id and epoch: not supported. Fields per
/// apache/kafka's InitProducerIdRequest.json and InitProducerIdResponse.json.
inline constexpr std::int16_t init_producer_id_min_version = 0;
inline constexpr std::int16_t init_producer_id_max_version = 1;

/// InitProducerId request body. A null transactional id asks for a plain
/// idempotent producer id.
struct init_producer_id_request {
  std::optional<std::string_view> transactional_id; ///< Views the frame.
  std::int32_t transaction_timeout_ms = -1;
};

/// InitProducerId response body.
struct init_producer_id_response {
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = kafka_error::none;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
};

/// Decodes the body of an InitProducerId request at `version` (0..1, else
/// unsupported). Trailing bytes are corrupted. Views into `body`'s bytes.
result<init_producer_id_request> decode_init_producer_id_request(wire_reader& body,
                                                                 std::int16_t version);

/// Encodes an InitProducerId request body; for clients and tests.
void encode_init_producer_id_request(wire_writer& out, const init_producer_id_request& req,
                                     std::int16_t version);

/// Encodes an InitProducerId response body at `version` (0..1).
void encode_init_producer_id_response(wire_writer& out, const init_producer_id_response& resp,
                                      std::int16_t version);

} // namespace rivulet::io::kafka
