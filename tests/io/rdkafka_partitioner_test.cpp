// rivulet's key partitioner against librdkafka's murmur2 partitioner: a key
// must land on the same partition whichever client produced it.

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include <librdkafka/rdkafka.h>

#include "runtime/partitioner.hpp"

TEST_CASE("keys land on the same partition as with librdkafka's murmur2 partitioner", "[io][kafka][partitioner]") {
  std::mt19937_64 rng{2026};
  for (int i = 0; i < 5000; ++i) {
    std::string key(static_cast<std::size_t>(rng() % 40), '\0');
    for (auto& c : key)
      c = static_cast<char>(rng() & 0xff);
    auto partitions = static_cast<std::int32_t>(1 + rng() % 64);
    auto theirs = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions, nullptr, nullptr);
    INFO("key length " << key.size() << ", partitions " << partitions);
    REQUIRE(rivulet::partition_for_key(key, partitions) == theirs);
  }
}
