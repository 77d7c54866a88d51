#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "runtime/partitioner.hpp"

using namespace rivulet;

TEST_CASE("murmur2 matches Kafka's reference values", "[runtime][partitioner]") {
  // apache/kafka UtilsTest.testMurmur2.
  CHECK(kafka_murmur2("21") == -973932308);
  CHECK(kafka_murmur2("foobar") == -790332482);
  CHECK(kafka_murmur2("a-little-bit-long-string") == -985981536);
  CHECK(kafka_murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(kafka_murmur2("abc") == 479470107);
  CHECK(kafka_murmur2("1") == -1993445489);
  CHECK(kafka_murmur2("12345") == -1188365604);
}

TEST_CASE("a keyed record's partition is murmur2 made positive modulo the count", "[runtime][partitioner]") {
  CHECK(partition_for_key("21", 7) == (-973932308 & 0x7fffffff) % 7);
  CHECK(partition_for_key("abc", 1) == 0);
  for (int i = 0; i < 1000; ++i) {
    auto p = partition_for_key(std::to_string(i), 12);
    CHECK(p >= 0);
    CHECK(p < 12);
  }
}

TEST_CASE("the sticky partitioner keeps a partition until its batch is done, then changes", "[runtime][partitioner]") {
  keyless_partitioner sticky{keyless_partitioner::mode::sticky, 42};
  auto first = sticky.next(6);
  for (int i = 0; i < 100; ++i)
    CHECK(sticky.next(6) == first);
  sticky.on_batch_done();
  auto second = sticky.next(6);
  CHECK(second != first);
  std::set<int> seen;
  for (int i = 0; i < 200; ++i) {
    seen.insert(sticky.next(6));
    sticky.on_batch_done();
  }
  CHECK(seen.size() == 6);
  CHECK(sticky.next(1) == 0);
}

TEST_CASE("the round-robin partitioner cycles through every partition", "[runtime][partitioner]") {
  keyless_partitioner rr{keyless_partitioner::mode::round_robin, 1};
  for (int round = 0; round < 3; ++round)
    for (int p = 0; p < 4; ++p)
      CHECK(rr.next(4) == p);
}
