#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// AddPartitionsToTxn (key 24) versions this codec handles: 0..2, which
/// share one layout (v1 changes throttling, v2 allows PRODUCER_FENCED). v3
/// is flexible and v4+ batch several transactions (broker to broker): not
/// supported. Fields per apache/kafka's AddPartitionsToTxnRequest.json and
/// AddPartitionsToTxnResponse.json (the V3AndBelow fields).
inline constexpr std::int16_t add_partitions_to_txn_min_version = 0;
inline constexpr std::int16_t add_partitions_to_txn_max_version = 2;

struct add_partitions_to_txn_request_topic {
  std::string_view name; ///< Views the frame.
  std::vector<std::int32_t> partitions;
};

/// AddPartitionsToTxn request body: the partitions a transactional
/// producer is about to write to. Views the frame, which must outlive it.
struct add_partitions_to_txn_request {
  std::string_view transactional_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::vector<add_partitions_to_txn_request_topic> topics;
};

struct add_partitions_to_txn_partition_result {
  std::int32_t partition_index = 0;
  std::int16_t error_code = kafka_error::none;
};

struct add_partitions_to_txn_topic_result {
  std::string name;
  std::vector<add_partitions_to_txn_partition_result> results;
};

/// AddPartitionsToTxn response body: one result per requested partition.
struct add_partitions_to_txn_response {
  std::int32_t throttle_time_ms = 0;
  std::vector<add_partitions_to_txn_topic_result> results;
};

/// Decodes the body of an AddPartitionsToTxn request at `version` (0..2,
/// else unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted.
result<add_partitions_to_txn_request> decode_add_partitions_to_txn_request(wire_reader& body,
                                                                           std::int16_t version);

/// Encodes an AddPartitionsToTxn request body; for clients and tests.
void encode_add_partitions_to_txn_request(wire_writer& out,
                                          const add_partitions_to_txn_request& req,
                                          std::int16_t version);

/// Encodes an AddPartitionsToTxn response body at `version` (0..2).
void encode_add_partitions_to_txn_response(wire_writer& out,
                                           const add_partitions_to_txn_response& resp,
                                           std::int16_t version);

} // namespace rivulet::io::kafka
