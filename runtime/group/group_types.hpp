#pragma once

// Value types shared by the consumer-group coordinator, its offset store,
// the consumer protocol codec and the assignors. Plain C++, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace rivulet::group {

/// Opaque bytes: protocol metadata, assignments, record keys and values.
using bytes = std::vector<std::uint8_t>;

/// Kafka error codes the group APIs answer with; the numbers are Kafka's
/// (clients/.../protocol/Errors.java), so the io layer writes them as is.
enum class error_code : std::int16_t {
  none = 0,
  unknown_server_error = -1,
  unknown_topic_or_partition = 3,
  request_timed_out = 7,
  offset_metadata_too_large = 12,
  coordinator_load_in_progress = 14,
  coordinator_not_available = 15,
  not_coordinator = 16,
  illegal_generation = 22,
  inconsistent_group_protocol = 23,
  invalid_group_id = 24,
  unknown_member_id = 25,
  invalid_session_timeout = 26,
  rebalance_in_progress = 27,
  invalid_commit_offset_size = 28,
  invalid_request = 42,
  invalid_producer_epoch = 47,
  invalid_txn_state = 48,
  invalid_producer_id_mapping = 49,
  invalid_transaction_timeout = 50,
  concurrent_transactions = 51,
  non_empty_group = 68,
  group_id_not_found = 69,
  member_id_required = 79,
  group_max_size_reached = 81,
  fenced_instance_id = 82,
};

/// Kafka's upper-case name of `e`, e.g. "ILLEGAL_GENERATION".
const char* to_string(error_code e) noexcept;

/// Kafka's numeric value of `e`, as written on the wire.
constexpr std::int16_t wire_value(error_code e) noexcept {
  return static_cast<std::int16_t>(e);
}

/// One partition of one topic. Ordered by topic name, then partition index.
struct topic_partition {
  std::string topic;
  std::int32_t partition = 0;

  friend bool operator==(const topic_partition& a, const topic_partition& b) {
    return a.partition == b.partition && a.topic == b.topic;
  }
  friend bool operator!=(const topic_partition& a, const topic_partition& b) {
    return !(a == b);
  }
  friend bool operator<(const topic_partition& a, const topic_partition& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  }
};

/// "topic-3", for test output and logs.
std::string to_string(const topic_partition& tp);

/// Outcome of decoding bytes: a value, or why the bytes are malformed.
template <class T>
struct decode_result {
  std::optional<T> value;
  /// Names the field and byte offset that failed; empty when `value` is set.
  std::string error;

  bool ok() const noexcept { return value.has_value(); }
  static decode_result failure(std::string why) { return {std::nullopt, std::move(why)}; }
};

} // namespace rivulet::group
