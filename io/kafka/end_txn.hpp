#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <string_view>

namespace rivulet::io::kafka {

/// EndTxn (key 26) versions this codec handles: 0..2, which share one
/// layout (v1 changes throttling, v2 allows PRODUCER_FENCED). v3 is
/// flexible: not supported. Fields per apache/kafka's EndTxnRequest.json
/// and EndTxnResponse.json.
inline constexpr std::int16_t end_txn_min_version = 0;
inline constexpr std::int16_t end_txn_max_version = 2;

/// EndTxn request body: commit (true) or abort (false) the producer's
/// ongoing transaction. Views the frame.
struct end_txn_request {
  std::string_view transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  bool committed = false; ///< A bool on the wire: any non-zero byte is true, as in Kafka.
};

/// EndTxn response body.
struct end_txn_response {
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = kafka_error::none;
};

/// Decodes the body of an EndTxn request at `version` (0..2, else
/// unsupported). Trailing bytes are corrupted. Views into `body`'s bytes.
result<end_txn_request> decode_end_txn_request(wire_reader& body, std::int16_t version);

/// Encodes an EndTxn request body (committed as 1 or 0); for clients and tests.
void encode_end_txn_request(wire_writer& out, const end_txn_request& req, std::int16_t version);

/// Encodes an EndTxn response body at `version` (0..2).
void encode_end_txn_response(wire_writer& out, const end_txn_response& resp,
                             std::int16_t version);

} // namespace rivulet::io::kafka
