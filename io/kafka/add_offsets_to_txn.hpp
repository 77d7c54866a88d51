#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <string_view>

namespace rivulet::io::kafka {

/// AddOffsetsToTxn (key 25) versions this codec handles: 0..2, which share
/// one layout (v1 changes throttling, v2 allows PRODUCER_FENCED). v3 is
/// flexible: not supported. Fields per apache/kafka's
/// AddOffsetsToTxnRequest.json and AddOffsetsToTxnResponse.json.
inline constexpr std::int16_t add_offsets_to_txn_min_version = 0;
inline constexpr std::int16_t add_offsets_to_txn_max_version = 2;

/// AddOffsetsToTxn request body: the consumer group whose offsets the
/// transaction will commit (with TxnOffsetCommit). Views the frame.
struct add_offsets_to_txn_request {
  std::string_view transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::string_view group_id;
};

/// AddOffsetsToTxn response body.
struct add_offsets_to_txn_response {
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = kafka_error::none;
};

/// Decodes the body of an AddOffsetsToTxn request at `version` (0..2, else
/// unsupported). Trailing bytes are corrupted. Views into `body`'s bytes.
result<add_offsets_to_txn_request> decode_add_offsets_to_txn_request(wire_reader& body,
                                                                     std::int16_t version);

/// Encodes an AddOffsetsToTxn request body; for clients and tests.
void encode_add_offsets_to_txn_request(wire_writer& out, const add_offsets_to_txn_request& req,
                                       std::int16_t version);

/// Encodes an AddOffsetsToTxn response body at `version` (0..2).
void encode_add_offsets_to_txn_response(wire_writer& out,
                                        const add_offsets_to_txn_response& resp,
                                        std::int16_t version);

} // namespace rivulet::io::kafka
