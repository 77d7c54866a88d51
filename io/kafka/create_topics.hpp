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

/// CreateTopics (key 19) versions this codec handles: 0..4, all
/// non-flexible (v5+ is flexible and is not supported). v1 adds
/// validate_only to the request and error_message to the response, v2
/// throttle time; v3 and v4 change only broker behaviour (v4: -1 partitions
/// or replication factor means the broker default even without
/// assignments). Fields per apache/kafka's CreateTopicsRequest.json and
/// CreateTopicsResponse.json.
inline constexpr std::int16_t create_topics_min_version = 0;
inline constexpr std::int16_t create_topics_max_version = 4;

/// A manual placement of one partition on brokers.
struct create_topics_assignment {
  std::int32_t partition_index = 0;
  std::vector<std::int32_t> broker_ids;
};

/// One topic-level config override. Views the frame.
struct create_topics_config {
  std::string_view name;
  std::optional<std::string_view> value;
};

struct create_topics_topic {
  std::string_view name;                ///< Views the frame.
  std::int32_t num_partitions = -1;     ///< -1: from assignments or the broker default.
  std::int16_t replication_factor = -1; ///< -1: from assignments or the broker default.
  std::vector<create_topics_assignment> assignments; ///< Empty: automatic placement.
  std::vector<create_topics_config> configs;
};

/// CreateTopics request body. Views the frame, which must outlive it.
struct create_topics_request {
  std::vector<create_topics_topic> topics;
  std::int32_t timeout_ms = 60000;
  bool validate_only = false; ///< On the wire from v1.
};

struct create_topics_topic_result {
  std::string name;
  std::int16_t error_code = kafka_error::none;
  std::optional<std::string> error_message; ///< On the wire from v1.
};

/// CreateTopics response body: one result per requested topic.
struct create_topics_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v2.
  std::vector<create_topics_topic_result> topics;
};

/// Decodes the body of a CreateTopics request at `version` (0..4, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted. validate_only is true for any
/// non-zero byte, as in Kafka.
result<create_topics_request> decode_create_topics_request(wire_reader& body,
                                                           std::int16_t version);

/// Encodes a CreateTopics request body; for clients and tests.
void encode_create_topics_request(wire_writer& out, const create_topics_request& req,
                                  std::int16_t version);

/// Encodes a CreateTopics response body at `version` (0..4); fields newer
/// than `version` are left out.
void encode_create_topics_response(wire_writer& out, const create_topics_response& resp,
                                   std::int16_t version);

} // namespace rivulet::io::kafka
