#pragma once

// Which partition of a topic a produced record goes to, the way Kafka's
// clients choose it, so that a key lands on the same partition whether
// rivulet's producer or a Kafka client wrote it:
// - keyed records: murmur2(key) made positive, modulo the partition count
//   (Java's DefaultPartitioner, librdkafka's "murmur2_random");
// - keyless records: sticky (one partition until its batch is sent, then
//   another: KIP-480) or round-robin.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

namespace rivulet {

/// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a
/// signed 32-bit value: murmur2("21") == -973932308.
std::int32_t kafka_murmur2(std::string_view key) noexcept;

/// Partition of a keyed record: (murmur2(key) & 0x7fffffff) % partitions.
/// `partitions` must be at least 1.
std::int32_t partition_for_key(std::string_view key, std::int32_t partitions) noexcept;

/// Partitions for keyless records.
class keyless_partitioner {
public:
  enum class mode { sticky, round_robin };

  explicit keyless_partitioner(mode m = mode::sticky, std::uint64_t seed = std::random_device{}())
    : mode_(m), rng_(seed) {
  }

  /// The partition for the next keyless record.
  std::int32_t next(std::int32_t partitions);

  /// The batch for the current sticky partition was sent (or filled):
  /// the next record picks a new partition (different from the last when
  /// there is more than one).
  void on_batch_done() noexcept {
    sticky_ = -1;
  }

private:
  mode mode_;
  std::mt19937_64 rng_;
  std::int32_t sticky_ = -1;
  std::int32_t last_ = -1;
  std::uint32_t counter_ = 0;
};

} // namespace rivulet
