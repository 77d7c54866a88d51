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

/// Produce (key 0) versions this codec handles: 3..7, all non-flexible and
/// all carrying record batch v2. v3 is what librdkafka needs for the v2
/// batch format; v5 adds log_start_offset to the response; v7 signals zstd
/// (see shared/notes/kafka-protocol.md). Fields per apache/kafka's
/// ProduceRequest.json and ProduceResponse.json.
inline constexpr std::int16_t produce_min_version = 3;
inline constexpr std::int16_t produce_max_version = 7;

/// Records for one partition. `records` views the request frame (zero
/// copy): the frame must outlive it. It is not validated here.
struct produce_partition_data {
  std::int32_t partition_index = 0;
  std::optional<bytes_view> records;
};

struct produce_topic_data {
  std::string_view name; ///< Views the frame.
  std::vector<produce_partition_data> partitions;
};

/// Produce request body. acks 0 means the client expects no response.
struct produce_request {
  std::optional<std::string_view> transactional_id; ///< Views the frame.
  std::int16_t acks = -1;
  std::int32_t timeout_ms = 0;
  std::vector<produce_topic_data> topics;
};

struct produce_partition_response {
  std::int32_t partition_index = 0;
  std::int16_t error_code = kafka_error::none;
  std::int64_t base_offset = -1;
  std::int64_t log_append_time_ms = -1; ///< -1: CreateTime is used.
  std::int64_t log_start_offset = -1;   ///< On the wire from v5.
};

struct produce_topic_response {
  std::string name;
  std::vector<produce_partition_response> partitions;
};

/// Produce response body.
struct produce_response {
  std::vector<produce_topic_response> topics;
  std::int32_t throttle_time_ms = 0;
};

/// Decodes the body of a Produce request at `version` (3..7, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted. Views into `body`'s bytes.
result<produce_request> decode_produce_request(wire_reader& body, std::int16_t version);

/// Encodes a Produce request body; for clients and tests.
void encode_produce_request(wire_writer& out, const produce_request& req, std::int16_t version);

/// Encodes a Produce response body at `version` (3..7); fields newer than
/// `version` are left out.
void encode_produce_response(wire_writer& out, const produce_response& resp,
                             std::int16_t version);

} // namespace rivulet::io::kafka
