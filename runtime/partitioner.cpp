#include "runtime/partitioner.hpp"

#include <cstring>

namespace rivulet {

std::int32_t kafka_murmur2(std::string_view key) noexcept {
  // Kafka's constants; arithmetic on uint32 wraps as Java's int does.
  constexpr std::uint32_t seed = 0x9747b28c;
  constexpr std::uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const auto length = static_cast<std::uint32_t>(key.size());
  std::uint32_t h = seed ^ length;
  const std::uint32_t blocks = length / 4;
  for (std::uint32_t i = 0; i < blocks; ++i) {
    const auto* p = data + i * 4;
    // Little-endian 4-byte blocks, as Kafka reads them.
    std::uint32_t k = static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8)
                      | (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const auto* tail = data + blocks * 4;
  switch (length % 4) {
    case 3:
      h ^= static_cast<std::uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<std::uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<std::uint32_t>(tail[0]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  std::int32_t out;
  std::memcpy(&out, &h, sizeof out);
  return out;
}

std::int32_t partition_for_key(std::string_view key, std::int32_t partitions) noexcept {
  auto positive = kafka_murmur2(key) & 0x7fffffff;
  return positive % partitions;
}

std::int32_t keyless_partitioner::next(std::int32_t partitions) {
  if (partitions <= 1)
    return 0;
  if (mode_ == mode::round_robin)
    return static_cast<std::int32_t>(counter_++ % static_cast<std::uint32_t>(partitions));
  if (sticky_ < 0 || sticky_ >= partitions) {
    std::uniform_int_distribution<std::int32_t> pick(0, partitions - 1);
    do
      sticky_ = pick(rng_);
    while (sticky_ == last_);
    last_ = sticky_;
  }
  return sticky_;
}

} // namespace rivulet
