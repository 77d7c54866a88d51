#include <catch2/catch.hpp>

#include <optional>
#include <vector>

#include "runtime/datastream.hpp"
#include "tests/support/operator_harness.hpp"
#include "tests/support/test_event.hpp"

using namespace rivulet;
using namespace std::chrono_literals;
using rivulet::testing::operator_harness;
using rivulet::testing::test_event;

namespace {

using strategy = watermark_strategy<test_event>;
using harness = operator_harness<test_event, test_event>;
using stamps = std::vector<timestamp>;

data_stream<test_event> timed(stream_environment& env, strategy s) {
  return env.from_collection(std::vector<test_event>{}).assign_timestamps_and_watermarks(std::move(s));
}

timestamp event_time(const test_event& e) {
  return e.ts;
}

test_event at(timestamp ts, std::string key = "a") {
  return test_event{std::move(key), ts, 0};
}

} // namespace

TEST_CASE("bounded out-of-orderness emits the largest timestamp minus the delay minus one at batch end",
          "[runtime][watermark][strategy]") {
  stream_environment env;
  harness h{env, timed(env, strategy::bounded_out_of_orderness(5ms).with_timestamp_assigner(event_time))};
  h.push(at(10));
  h.push(at(3));
  h.push(at(12));
  CHECK(h.output_watermarks().empty());  // only at the end of a batch
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{6});
  h.push(at(8));  // out of order, within the delay: no new watermark
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{6});
  h.push(at(20));
  h.push(at(15));
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{6, 14});
  h.batch_end();  // nothing new: nothing emitted
  CHECK(h.output_watermarks() == stamps{6, 14});
  CHECK(h.output_timestamps() == stamps{10, 3, 12, 8, 20, 15});
  CHECK(h.output().size() == 6);
}

TEST_CASE("monotonic timestamps give a watermark one below the largest timestamp",
          "[runtime][watermark][strategy]") {
  stream_environment env;
  harness h{env, timed(env, strategy::monotonic_timestamps().with_timestamp_assigner(event_time))};
  h.batch_end();
  CHECK(h.output_watermarks().empty());  // no record yet: no watermark
  h.push(at(5));
  h.push(at(7));
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{6});
  h.push(at(7));
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{6});
  h.push(at(8));
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{6, 7});
}

TEST_CASE("the timestamp assigner replaces the timestamp a record arrives with", "[runtime][watermark][strategy]") {
  stream_environment env;
  harness h{env, timed(env, strategy::monotonic_timestamps().with_timestamp_assigner(event_time))};
  h.push(at(42), 1000);
  h.push(at(43));
  CHECK(h.output_timestamps() == stamps{42, 43});
  CHECK(h.output() == std::vector<test_event>{at(42), at(43)});
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{42});
}

TEST_CASE("without a timestamp assigner records keep the timestamp they arrive with",
          "[runtime][watermark][strategy]") {
  stream_environment env;
  harness h{env, timed(env, strategy::bounded_out_of_orderness(10ms))};
  h.push(at(0), 30);
  h.push(at(0), no_timestamp);  // has none: does not move the watermark
  h.batch_end();
  CHECK(h.output_timestamps() == stamps{30, no_timestamp});
  CHECK(h.output_watermarks() == stamps{19});
}

TEST_CASE("punctuated watermarks are emitted right after the record that carries them",
          "[runtime][watermark][strategy]") {
  stream_environment env;
  auto marks = [](const test_event& e, timestamp ts) -> std::optional<timestamp> {
    if (e.key == "mark")
      return ts;
    return std::nullopt;
  };
  harness h{env, timed(env, strategy::punctuated(marks).with_timestamp_assigner(event_time))};
  h.push(at(5));
  CHECK(h.output_watermarks().empty());
  h.push(at(7, "mark"));
  CHECK(h.output().size() == 2);
  CHECK(h.output_watermarks() == stamps{7});  // at once, no batch end needed
  h.push(at(20));
  h.batch_end();  // batch ends generate nothing for punctuated strategies
  CHECK(h.output_watermarks() == stamps{7});
  h.push(at(6, "mark"));  // would go back: dropped
  CHECK(h.output_watermarks() == stamps{7});
  h.push(at(9, "mark"));
  CHECK(h.output_watermarks() == stamps{7, 9});
  CHECK(h.output_timestamps() == stamps{5, 7, 20, 6, 9});
}

TEST_CASE("the punctuation function sees the assigned timestamp", "[runtime][watermark][strategy]") {
  stream_environment env;
  auto marks = [](const test_event&, timestamp ts) -> std::optional<timestamp> { return ts - 1; };
  harness h{env, timed(env, strategy::punctuated(marks).with_timestamp_assigner(event_time))};
  h.push(at(100), 5);
  CHECK(h.output_watermarks() == stamps{99});
}

TEST_CASE("a watermark stage swallows upstream watermarks except the end-of-input one",
          "[runtime][watermark][strategy]") {
  stream_environment env;
  harness h{env, timed(env, strategy::bounded_out_of_orderness(0ms).with_timestamp_assigner(event_time))};
  h.watermark(100);
  CHECK(h.output_watermarks().empty());
  h.push(at(10));
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{9});
  h.watermark(50);
  CHECK(h.output_watermarks() == stamps{9});
  h.watermark(max_watermark);
  CHECK(h.output_watermarks() == stamps{9, max_watermark});
  h.push(at(20));  // nothing after the end: the watermark never goes back
  h.batch_end();
  CHECK(h.output_watermarks() == stamps{9, max_watermark});
}

TEST_CASE("a watermark stage swallows upstream idle status", "[runtime][watermark][strategy]") {
  stream_environment env;
  harness h{env, timed(env, strategy::monotonic_timestamps().with_timestamp_assigner(event_time))};
  h.idle(true);
  h.idle(false);
  CHECK(h.idle_changes().empty());
}

TEST_CASE("no_watermarks stamps records but emits only the end-of-input watermark",
          "[runtime][watermark][strategy]") {
  stream_environment env;
  harness h{env, timed(env, strategy::no_watermarks().with_timestamp_assigner(event_time))};
  h.push(at(10));
  h.batch_end();
  CHECK(h.output_timestamps() == stamps{10});
  CHECK(h.output_watermarks().empty());
  h.watermark(max_watermark);
  CHECK(h.output_watermarks() == stamps{max_watermark});
}

TEST_CASE("with idleness the stage asks for a wake-up one timeout after it opens", "[runtime][watermark][idle]") {
  stream_environment env;
  harness h{env, timed(env, strategy::monotonic_timestamps().with_timestamp_assigner(event_time).with_idleness(100ms))};
  REQUIRE_FALSE(h.clock().wakeups.empty());
  CHECK(h.clock().wakeups.front() == 100);
}

TEST_CASE("an input without records for the idle timeout is marked idle, and a record makes it active",
          "[runtime][watermark][idle]") {
  stream_environment env;
  harness h{env, timed(env, strategy::monotonic_timestamps().with_timestamp_assigner(event_time).with_idleness(100ms))};
  h.advance_processing_time(100);
  CHECK(h.idle_changes() == std::vector<bool>{true});
  h.advance_processing_time(200);  // still idle: not repeated
  CHECK(h.idle_changes() == std::vector<bool>{true});
  h.clock().now = 250;
  h.push(at(1));
  CHECK(h.idle_changes() == std::vector<bool>{true, false});
  CHECK(h.output_timestamps() == stamps{1});
  // Active again, it must ask to be woken to notice the next quiet spell.
  REQUIRE_FALSE(h.clock().wakeups.empty());
  CHECK(h.clock().wakeups.back() <= 350);
  CHECK(h.clock().wakeups.back() > 250);
  h.advance_processing_time(h.clock().wakeups.back());
  h.advance_processing_time(600);
  CHECK(h.idle_changes() == std::vector<bool>{true, false, true});
}

TEST_CASE("an input is not marked idle before the timeout has passed without records",
          "[runtime][watermark][idle]") {
  stream_environment env;
  harness h{env, timed(env, strategy::monotonic_timestamps().with_timestamp_assigner(event_time).with_idleness(100ms))};
  // Wake-ups reach every link of a chain, also ones other links asked for.
  h.advance_processing_time(50);
  CHECK(h.idle_changes().empty());  // only 50 ms since open
  h.clock().now = 60;
  h.push(at(1));
  h.advance_processing_time(70);
  CHECK(h.idle_changes().empty());
  h.advance_processing_time(120);
  CHECK(h.idle_changes().empty());  // 60 ms since the record
  h.advance_processing_time(159);
  CHECK(h.idle_changes().empty());  // 99 ms since the record
  h.advance_processing_time(400);
  CHECK(h.idle_changes() == std::vector<bool>{true});
}

TEST_CASE("records keep an input active however often the clock ticks", "[runtime][watermark][idle]") {
  stream_environment env;
  harness h{env, timed(env, strategy::monotonic_timestamps().with_timestamp_assigner(event_time).with_idleness(100ms))};
  for (timestamp now = 10; now <= 1000; now += 10) {
    h.clock().now = now;
    h.push(at(now));
    h.advance_processing_time(now + 5);
  }
  CHECK(h.idle_changes().empty());
  CHECK(h.output().size() == 100);
}
