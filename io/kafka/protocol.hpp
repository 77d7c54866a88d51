#pragma once

#include "io/errors.hpp"
#include "io/kafka/bytes.hpp"
#include "io/kafka/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace rivulet::io::kafka {

/// Kafka API keys of the subset rivulet speaks. Any int16 may arrive on the
/// wire, so values outside this list are representable too.
enum class api_key : std::int16_t {
  produce = 0,
  fetch = 1,
  list_offsets = 2,
  metadata = 3,
  offset_commit = 8,
  offset_fetch = 9,
  find_coordinator = 10,
  join_group = 11,
  heartbeat = 12,
  leave_group = 13,
  sync_group = 14,
  api_versions = 18,
  create_topics = 19,
  delete_topics = 20,
  init_producer_id = 22,
  add_partitions_to_txn = 24,
  add_offsets_to_txn = 25,
  end_txn = 26,
  txn_offset_commit = 28,
};

/// Kafka error codes used by the codec so far (response error_code fields).
namespace kafka_error {
inline constexpr std::int16_t none = 0;
inline constexpr std::int16_t unknown_topic_or_partition = 3;
inline constexpr std::int16_t leader_not_available = 5;
inline constexpr std::int16_t not_leader_or_follower = 6;
inline constexpr std::int16_t invalid_topic_exception = 17;
inline constexpr std::int16_t unsupported_version = 35;
inline constexpr std::int16_t topic_already_exists = 36;
inline constexpr std::int16_t invalid_partitions = 37;
inline constexpr std::int16_t invalid_replication_factor = 38;
inline constexpr std::int16_t invalid_config = 40;
inline constexpr std::int16_t invalid_request = 42;
} // namespace kafka_error

/// Largest request frame accepted unless configured otherwise (Kafka's
/// socket.request.max.bytes default).
inline constexpr std::size_t default_max_frame_bytes = 100u << 20;

/// One complete frame cut from the front of a connection's input.
struct frame {
  bytes_view payload;      ///< The bytes after the int32 size prefix.
  std::size_t frame_bytes; ///< 4 + payload.size(): how much to drop from the input.
};

/// Cuts the first frame from `input`: an int32 size, then that many bytes.
/// Returns nullopt when `input` holds only part of a frame ("need more
/// bytes"), too_large when the size exceeds `max_frame_bytes` (checked as
/// soon as the prefix is there, before waiting for or buffering the rest),
/// corrupted for a negative size. The payload views `input`.
result<std::optional<frame>> split_frame(bytes_view input,
                                         std::size_t max_frame_bytes = default_max_frame_bytes);

/// True when `version` of `key` is a flexible version (compact strings and
/// arrays, tagged fields, request header v2, response header v1), per the
/// flexibleVersions of Kafka's message schemas. Unknown keys: false.
bool is_flexible(api_key key, std::int16_t version) noexcept;

/// Request header version a request of `key` at `version` carries: 2 for
/// flexible versions, else 1.
std::int16_t request_header_version(api_key key, std::int16_t version) noexcept;

/// Response header version: 1 for flexible versions, else 0, except that
/// ApiVersions responses always use 0 (so a client that does not yet know
/// the broker's versions can read them).
std::int16_t response_header_version(api_key key, std::int16_t version) noexcept;

/// A request header, v1 or v2. client_id views the frame.
struct request_header {
  api_key key = api_key::api_versions;
  std::int16_t api_version = 0;
  std::int32_t correlation_id = 0;
  std::optional<std::string_view> client_id; ///< int16-length nullable string, also in v2.
};

/// A parsed request: its header and a reader over the body that follows.
/// Both view the frame's payload, which must outlive them.
struct request {
  request_header header;
  wire_reader body;
};

/// Parses the header of a frame's payload (v1 or v2, chosen by
/// request_header_version from the api key and version read first; the
/// v2 tagged fields are skipped). The body is not decoded: that is up to
/// the handler of the api key. A header cut short by the end of the
/// payload is corrupted, since the frame is complete. Length fields above
/// `max_length_bytes` are too_large.
result<request> parse_request(bytes_view payload,
                              std::size_t max_length_bytes = default_max_length_bytes);

/// Writes a request header of `header_version` (1 or 2); for clients and tests.
void write_request_header(wire_writer& out, const request_header& header,
                          std::int16_t header_version);

/// Writes a response header: correlation_id, then for v1 empty tagged fields.
void write_response_header(wire_writer& out, std::int32_t correlation_id,
                           std::int16_t header_version);

/// Starts a response frame in `out`: a size placeholder and the response
/// header for `key` at `version`. Returns the position to pass to
/// finish_frame once the body is written.
std::size_t begin_response(std::vector<std::uint8_t>& out, api_key key, std::int16_t version,
                           std::int32_t correlation_id);

/// Fills in the size prefix of a frame started at `frame_start`.
void finish_frame(std::vector<std::uint8_t>& out, std::size_t frame_start);

/// Maps `truncated` to `corrupted` and says the frame is complete: inside a
/// complete frame, running out of bytes means the request is malformed.
status in_complete_frame(status st);

} // namespace rivulet::io::kafka
