// Late records at the window operator: allowed lateness re-fires windows,
// records later than that go to the late side output or are dropped.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "runtime/datastream.hpp"
#include "tests/support/operator_harness.hpp"
#include "tests/support/window_test_helpers.hpp"

using namespace rivulet;
using namespace rivulet::testing;
using namespace std::chrono_literals;

namespace {
using late_harness = operator_harness<kv, count_result, kv>;
const output_tag<kv> late{"late"};
} // namespace

TEST_CASE("a late record within the allowed lateness re-fires its window with the updated result",
          "[runtime][window][lateness]") {
  stream_environment env;
  auto s = keyed_kv(env)
             .window(windows::tumbling_event_time{10ms})
             .allowed_lateness(5ms)
             .side_output_late_data(late)
             .count();
  late_harness h{env, s, late};
  h.push({"a", 1}, 1);
  h.push({"a", 2}, 2);
  h.watermark(9);
  CHECK(h.output() == count_results{{"a", {0, 10}, 2}});
  h.push({"a", 3}, 3);  // late, within lateness: fires at once with everything so far
  CHECK(h.output() == count_results{{"a", {0, 10}, 2}, {"a", {0, 10}, 3}});
  h.watermark(12);  // no timer due: nothing fires again
  CHECK(h.output().size() == 2);
  h.push({"a", 4}, 4);
  CHECK(h.output().back() == count_result{"a", {0, 10}, 4});
  h.watermark(14);  // end of lateness: the window is cleaned up without firing
  CHECK(h.output().size() == 3);
  h.push({"a", 5}, 5);  // now too late
  CHECK(h.output().size() == 3);
  CHECK(as_text(h.side_output()) == texts{"a=5"});
  h.push({"a", 15}, 15);
  h.watermark(19);
  CHECK(h.output().back() == count_result{"a", {10, 20}, 1});
  CHECK(h.output_timestamps() == timestamps{9, 9, 9, 19});
}

TEST_CASE("a record later than its window goes to the late side output", "[runtime][window][lateness]") {
  stream_environment env;
  auto s = keyed_kv(env).window(windows::tumbling_event_time{10ms}).side_output_late_data(late).count();
  late_harness h{env, s, late};
  h.push({"a", 1}, 1);
  h.watermark(9);
  h.push({"a", 2}, 9);   // the window's last timestamp is at the watermark: late
  h.push({"b", 3}, 2);   // a key with no window yet: late all the same
  h.push({"a", 4}, 10);  // next window: on time
  CHECK(as_text(h.side_output()) == texts{"a=2", "b=3"});
  h.watermark(19);
  CHECK(h.output() == count_results{{"a", {0, 10}, 1}, {"a", {10, 20}, 1}});
}

TEST_CASE("without a late side output a too-late record is dropped", "[runtime][window][lateness]") {
  stream_environment env;
  operator_harness<kv, count_result> h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).count()};
  h.push({"a", 1}, 1);
  h.watermark(9);
  h.push({"a", 2}, 5);
  h.watermark(100);
  CHECK(h.output() == count_results{{"a", {0, 10}, 1}});
}

TEST_CASE("a record late for some of its sliding windows counts in the others and is not late",
          "[runtime][window][lateness]") {
  stream_environment env;
  auto s = keyed_kv(env).window(windows::sliding_event_time{10ms, 5ms}).side_output_late_data(late).count();
  late_harness h{env, s, late};
  h.watermark(9);
  h.push({"a", 1}, 7);  // [0,10) is late, [5,15) is not
  CHECK(h.side_output().empty());
  h.watermark(14);
  CHECK(h.output() == count_results{{"a", {5, 15}, 1}});
}

TEST_CASE("a late record merging into a fired session within lateness fires the merged session at its end",
          "[runtime][window][lateness][session]") {
  stream_environment env;
  auto s = keyed_kv(env)
             .window(windows::event_time_session{10ms})
             .allowed_lateness(20ms)
             .side_output_late_data(late)
             .count();
  late_harness h{env, s, late};
  h.push({"a", 1}, 0);
  h.watermark(9);
  CHECK(h.output() == count_results{{"a", {0, 10}, 1}});
  h.push({"a", 2}, 5);  // [5,15) merges with [0,10) into [0,15), which has not ended
  CHECK(h.output().size() == 1);
  h.watermark(14);
  CHECK(h.output() == count_results{{"a", {0, 10}, 1}, {"a", {0, 15}, 2}});
  CHECK(h.side_output().empty());
  h.watermark(34);  // cleanup of [0,15)
  h.push({"a", 3}, 4);
  CHECK(as_text(h.side_output()) == texts{"a=3"});
}

TEST_CASE("allowed lateness does not delay the first firing", "[runtime][window][lateness]") {
  stream_environment env;
  auto s = keyed_kv(env).window(windows::tumbling_event_time{10ms}).allowed_lateness(1000ms).count();
  operator_harness<kv, count_result> h{env, s};
  h.push({"a", 1}, 3);
  h.watermark(9);
  CHECK(h.output() == count_results{{"a", {0, 10}, 1}});
  h.watermark(1009);  // cleanup only
  CHECK(h.output().size() == 1);
  h.push({"a", 2}, 3);
  CHECK(h.output().size() == 1);
}

TEST_CASE("a record that falls between hopping windows is dropped but is not late data",
          "[runtime][window][lateness]") {
  stream_environment env;
  auto s = keyed_kv(env).window(windows::sliding_event_time{5ms, 10ms}).side_output_late_data(late).count();
  late_harness h{env, s, late};
  h.push({"a", 1}, 7);  // windows [0,5) and [10,15): 7 is in neither
  h.push({"a", 2}, 3);
  CHECK(h.side_output().empty());
  h.watermark(20);
  CHECK(h.output() == count_results{{"a", {0, 5}, 1}});
  h.push({"a", 3}, 8);  // in no window, and late as well: late data, as in Flink
  CHECK(as_text(h.side_output()) == texts{"a=3"});
}
