// Per-partition watermarks of a multi-partition source (from_kafka): the
// minimum over active partitions, with idle and finished ones left out.

#include <catch2/catch.hpp>

#include "runtime/partition_watermarks.hpp"

using namespace rivulet;

namespace {
const kafka_partition a0{"a", 0};
const kafka_partition a1{"a", 1};
} // namespace

TEST_CASE("a source's watermark is the minimum over its partitions and waits for one without records",
          "[runtime][kafka-connector]") {
  partition_watermarks w;
  w.add(a0, 0);
  w.add(a1, 0);
  w.on_record(a0, 100, 1);
  w.advance(a0, 99);
  CHECK(!w.current());  // a1 has no watermark yet: it holds the source back
  w.on_record(a1, 40, 2);
  w.advance(a1, 39);
  CHECK(w.current() == 39);
  w.advance(a1, 20);  // never lowered
  CHECK(w.current() == 39);
  w.advance(a1, 500);
  CHECK(w.current() == 99);
  CHECK(w.max_timestamps().at(a0) == 100);
  CHECK(w.max_timestamps().at(a1) == 40);
}

TEST_CASE("an idle or finished partition stops holding back the watermark of its source",
          "[runtime][kafka-connector]") {
  partition_watermarks w{50};
  w.add(a0, 0);
  w.add(a1, 0);
  w.on_record(a0, 1000, 10);
  w.advance(a0, 999);
  w.check_idle(49);
  CHECK(!w.current());  // a1 quiet for 49 ms: not idle yet
  w.check_idle(50);
  CHECK(w.current() == 999);  // a1 idle; a0 quiet only since 10
  CHECK(!w.all_inactive());
  w.check_idle(60);
  CHECK(w.all_inactive());
  CHECK(!w.current());
  w.on_record(a1, 5, 70);  // a1 active again, with a lower watermark
  w.advance(a1, 4);
  CHECK(w.current() == 4);
  w.finish(a1);
  CHECK(!w.current());  // a0 is still idle
  w.on_record(a0, 1001, 80);
  CHECK(w.current() == 999);
}
