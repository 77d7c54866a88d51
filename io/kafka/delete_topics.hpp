#pragma once

#include "io/errors.hpp"
#include "io/kafka/protocol.hpp"
#include "io/kafka/wire.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// DeleteTopics (key 20) versions this codec handles: 0..3, all
/// non-flexible and the same request layout (v4+ is flexible and is not
/// supported). The response gains throttle time in v1. Fields per
/// apache/kafka's DeleteTopicsRequest.json and DeleteTopicsResponse.json.
inline constexpr std::int16_t delete_topics_min_version = 0;
inline constexpr std::int16_t delete_topics_max_version = 3;

/// DeleteTopics request body. Names view the frame, which must outlive it.
struct delete_topics_request {
  std::vector<std::string_view> topic_names;
  std::int32_t timeout_ms = 0;
};

struct delete_topics_topic_result {
  std::string name;
  std::int16_t error_code = kafka_error::none;
};

/// DeleteTopics response body: one result per requested topic.
struct delete_topics_response {
  std::int32_t throttle_time_ms = 0; ///< On the wire from v1.
  std::vector<delete_topics_topic_result> responses;
};

/// Decodes the body of a DeleteTopics request at `version` (0..3, else
/// unsupported). The count is checked against the bytes left before any
/// allocation; trailing bytes are corrupted.
result<delete_topics_request> decode_delete_topics_request(wire_reader& body,
                                                           std::int16_t version);

/// Encodes a DeleteTopics request body; for clients and tests.
void encode_delete_topics_request(wire_writer& out, const delete_topics_request& req,
                                  std::int16_t version);

/// Encodes a DeleteTopics response body at `version` (0..3).
void encode_delete_topics_response(wire_writer& out, const delete_topics_response& resp,
                                   std::int16_t version);

} // namespace rivulet::io::kafka
