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

/// OffsetFetch (key 9) versions this codec handles: 1..5, all
/// non-flexible. v2 allows a null topic list (all committed partitions)
/// and adds the group-level error_code to the response, v3 throttle time,
/// v5 committed_leader_epoch. v0 (offsets in ZooKeeper) is not supported.
/// Fields per apache/kafka's OffsetFetchRequest.json and
/// OffsetFetchResponse.json.
inline constexpr std::int16_t offset_fetch_min_version = 1;
inline constexpr std::int16_t offset_fetch_max_version = 5;

struct offset_fetch_request_topic {
  std::string_view name; ///< Views the frame.
  std::vector<std::int32_t> partition_indexes;
};

/// OffsetFetch request body. Views the frame, which must outlive it.
struct offset_fetch_request {
  std::string_view group_id;
  /// nullopt (v2+ only) asks for every partition the group has committed.
  std::optional<std::vector<offset_fetch_request_topic>> topics;
};

struct offset_fetch_response_partition {
  std::int32_t partition_index = 0;
  std::int64_t committed_offset = -1; ///< -1: nothing committed.
  std::int32_t committed_leader_epoch = -1; ///< On the wire from v5.
  std::optional<std::string> metadata;
  std::int16_t error_code = kafka_error::none;
};

struct offset_fetch_response_topic {
  std::string name;
  std::vector<offset_fetch_response_partition> partitions;
};

/// OffsetFetch response body. Before v2 there is no group-level error on
/// the wire: a handler puts it in every partition instead.
struct offset_fetch_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v3.
  std::vector<offset_fetch_response_topic> topics;
  std::int16_t error_code = kafka_error::none; ///< On the wire from v2.
};

/// Decodes the body of an OffsetFetch request at `version` (1..5, else
/// unsupported). A null topic list before v2 is corrupted. Counts are
/// checked against the bytes left before any allocation; trailing bytes
/// are corrupted.
result<offset_fetch_request> decode_offset_fetch_request(wire_reader& body,
                                                         std::int16_t version);

/// Encodes an OffsetFetch request body; for clients and tests. A null
/// topic list needs v2+.
void encode_offset_fetch_request(wire_writer& out, const offset_fetch_request& req,
                                 std::int16_t version);

/// Encodes an OffsetFetch response body at `version` (1..5); fields newer
/// than `version` are left out.
void encode_offset_fetch_response(wire_writer& out, const offset_fetch_response& resp,
                                  std::int16_t version);

} // namespace rivulet::io::kafka
