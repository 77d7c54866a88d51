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

/// Fetch (key 1) versions this codec handles: 4..10, all non-flexible. v4
/// is what librdkafka needs for the record batch v2 format; v5 adds
/// log_start_offset, v7 fetch sessions, v9 current_leader_epoch, v10
/// signals zstd. v11 (rack_id, preferred read replica) is not handled.
/// Fields per apache/kafka's FetchRequest.json and FetchResponse.json.
inline constexpr std::int16_t fetch_min_version = 4;
inline constexpr std::int16_t fetch_max_version = 10;

struct fetch_partition {
  std::int32_t partition_index = 0;
  std::int32_t current_leader_epoch = -1; ///< On the wire from v9.
  std::int64_t fetch_offset = 0;
  std::int64_t log_start_offset = -1; ///< On the wire from v5; -1 from consumers.
  std::int32_t partition_max_bytes = 0;
};

struct fetch_topic {
  std::string_view name; ///< Views the frame.
  std::vector<fetch_partition> partitions;
};

/// Partitions an incremental fetch session stops fetching (v7+).
struct fetch_forgotten_topic {
  std::string_view name; ///< Views the frame.
  std::vector<std::int32_t> partitions;
};

/// Fetch request body.
struct fetch_request {
  std::int32_t replica_id = -1; ///< -1 for consumers.
  std::int32_t max_wait_ms = 0;
  std::int32_t min_bytes = 0;
  std::int32_t max_bytes = 0x7fffffff;
  std::int8_t isolation_level = 0; ///< 0 read_uncommitted, 1 read_committed.
  std::int32_t session_id = 0;     ///< On the wire from v7.
  std::int32_t session_epoch = -1; ///< On the wire from v7; -1: no session.
  std::vector<fetch_topic> topics;
  std::vector<fetch_forgotten_topic> forgotten_topics; ///< On the wire from v7.
};

struct fetch_aborted_transaction {
  std::int64_t producer_id = 0;
  std::int64_t first_offset = 0;
};

struct fetch_partition_response {
  std::int32_t partition_index = 0;
  std::int16_t error_code = kafka_error::none;
  std::int64_t high_watermark = -1;
  std::int64_t last_stable_offset = -1;
  std::int64_t log_start_offset = -1; ///< On the wire from v5.
  /// nullopt is written as a null array (no transactional data).
  std::optional<std::vector<fetch_aborted_transaction>> aborted_transactions;
  /// The stored batches, written as they are (no re-encoding). The caller
  /// keeps the bytes alive until the response is encoded.
  std::optional<bytes_view> records;
};

struct fetch_topic_response {
  std::string name;
  std::vector<fetch_partition_response> partitions;
};

/// Fetch response body.
struct fetch_response {
  std::int32_t throttle_time_ms = 0;
  std::int16_t error_code = kafka_error::none; ///< On the wire from v7.
  std::int32_t session_id = 0;                 ///< On the wire from v7.
  std::vector<fetch_topic_response> topics;
};

/// Decodes the body of a Fetch request at `version` (4..10, else
/// unsupported). Counts are checked against the bytes left before any
/// allocation; trailing bytes are corrupted. Names view `body`'s bytes.
result<fetch_request> decode_fetch_request(wire_reader& body, std::int16_t version);

/// Encodes a Fetch request body; for clients and tests.
void encode_fetch_request(wire_writer& out, const fetch_request& req, std::int16_t version);

/// Encodes a Fetch response body at `version` (4..10); fields newer than
/// `version` are left out. Records are copied once, into `out`.
void encode_fetch_response(wire_writer& out, const fetch_response& resp, std::int16_t version);

} // namespace rivulet::io::kafka
