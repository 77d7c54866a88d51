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

/// TxnOffsetCommit (key 28) versions this codec handles: 0..2, all
/// non-flexible. v1 changes only throttling, v2 adds
/// committed_leader_epoch. v3 is flexible and adds the group generation,
/// member id and instance id: not supported. Fields per apache/kafka's
/// TxnOffsetCommitRequest.json and TxnOffsetCommitResponse.json.
inline constexpr std::int16_t txn_offset_commit_min_version = 0;
inline constexpr std::int16_t txn_offset_commit_max_version = 2;

struct txn_offset_commit_request_partition {
  std::int32_t partition_index = 0;
  std::int64_t committed_offset = -1;
  std::int32_t committed_leader_epoch = -1; ///< On the wire from v2.
  std::optional<std::string_view> committed_metadata; ///< Views the frame.
};

struct txn_offset_commit_request_topic {
  std::string_view name; ///< Views the frame.
  std::vector<txn_offset_commit_request_partition> partitions;
};

/// TxnOffsetCommit request body: offsets that become visible to the group
/// only when the transaction commits. Views the frame, which must outlive it.
struct txn_offset_commit_request {
  std::string_view transactional_id;
  std::string_view group_id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::vector<txn_offset_commit_request_topic> topics;
};

struct txn_offset_commit_response_partition {
  std::int32_t partition_index = 0;
  std::int16_t error_code = kafka_error::none;
};

struct txn_offset_commit_response_topic {
  std::string name;
  std::vector<txn_offset_commit_response_partition> partitions;
};

/// TxnOffsetCommit response body: one entry per requested partition.
struct txn_offset_commit_response {
  std::int32_t throttle_time_ms = 0;
  std::vector<txn_offset_commit_response_topic> topics;
};

/// Decodes the body of a TxnOffsetCommit request at `version` (0..2, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted.
result<txn_offset_commit_request> decode_txn_offset_commit_request(wire_reader& body,
                                                                   std::int16_t version);

/// Encodes a TxnOffsetCommit request body; for clients and tests.
void encode_txn_offset_commit_request(wire_writer& out, const txn_offset_commit_request& req,
                                      std::int16_t version);

/// Encodes a TxnOffsetCommit response body at `version` (0..2).
void encode_txn_offset_commit_response(wire_writer& out, const txn_offset_commit_response& resp,
                                       std::int16_t version);

} // namespace rivulet::io::kafka
