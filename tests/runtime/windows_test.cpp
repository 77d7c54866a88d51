// Window assigners through the window operator: which windows records land
// in and exactly what fires when, for every kind of window.

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
using harness = operator_harness<kv, count_result>;
} // namespace

TEST_CASE("tumbling event-time windows fire per key once the watermark reaches their last timestamp",
          "[runtime][window][tumbling]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).count()};
  h.push({"a", 0}, 1);
  h.push({"a", 0}, 9);
  h.push({"b", 0}, 5);
  h.push({"a", 0}, 10);
  h.watermark(8);
  CHECK(h.output().empty());
  h.watermark(9);
  CHECK(sorted(h.output()) == count_results{{"a", {0, 10}, 2}, {"b", {0, 10}, 1}});
  CHECK(h.output_timestamps() == timestamps{9, 9});
  h.watermark(19);
  CHECK(h.output().size() == 3);
  CHECK(h.output().back() == count_result{"a", {10, 20}, 1});
  CHECK(h.output_timestamps().back() == 19);
  h.watermark(100);
  CHECK(h.output().size() == 3);
}

TEST_CASE("tumbling windows with an offset are shifted by it", "[runtime][window][tumbling]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms, 3ms}).count()};
  h.push({"a", 0}, 2);
  h.push({"a", 0}, 3);
  h.push({"a", 0}, 12);
  h.push({"a", 0}, 13);
  h.watermark(2);
  CHECK(h.output() == count_results{{"a", {-7, 3}, 1}});
  h.watermark(12);
  CHECK(h.output() == count_results{{"a", {-7, 3}, 1}, {"a", {3, 13}, 2}});
  h.watermark(30);
  CHECK(h.output() == count_results{{"a", {-7, 3}, 1}, {"a", {3, 13}, 2}, {"a", {13, 23}, 1}});
  CHECK(h.output_timestamps() == timestamps{2, 12, 22});
}

TEST_CASE("tumbling windows place negative timestamps in the window that holds them",
          "[runtime][window][tumbling]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).count()};
  h.push({"a", 0}, -1);
  h.push({"a", 0}, -10);
  h.push({"a", 0}, -11);
  h.push({"a", 0}, 0);
  h.watermark(-1);
  CHECK(h.output() == count_results{{"a", {-20, -10}, 1}, {"a", {-10, 0}, 2}});
  CHECK(h.output_timestamps() == timestamps{-11, -1});
  h.watermark(9);
  CHECK(h.output().back() == count_result{"a", {0, 10}, 1});
}

TEST_CASE("sliding windows put a record in every window of size that covers it", "[runtime][window][sliding]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::sliding_event_time{10ms, 5ms}).count()};
  h.push({"a", 0}, 7);   // [0,10) [5,15)
  h.push({"a", 0}, 12);  // [5,15) [10,20)
  h.push({"a", 0}, 3);   // [-5,5) [0,10)
  h.watermark(4);
  CHECK(h.output() == count_results{{"a", {-5, 5}, 1}});
  h.watermark(9);
  CHECK(h.output().back() == count_result{"a", {0, 10}, 2});
  h.watermark(14);
  CHECK(h.output().back() == count_result{"a", {5, 15}, 2});
  h.watermark(19);
  CHECK(h.output().back() == count_result{"a", {10, 20}, 1});
  CHECK(h.output().size() == 4);
  CHECK(h.output_timestamps() == timestamps{4, 9, 14, 19});
}

TEST_CASE("a record is in size/slide sliding windows", "[runtime][window][sliding]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::sliding_event_time{30ms, 10ms}).count()};
  h.push({"a", 0}, 25);
  h.watermark(max_watermark);
  CHECK(h.output() == count_results{{"a", {0, 30}, 1}, {"a", {10, 40}, 1}, {"a", {20, 50}, 1}});
  CHECK(h.output_timestamps() == timestamps{29, 39, 49});
}

TEST_CASE("sliding windows with an offset start at offset plus a multiple of the slide",
          "[runtime][window][sliding]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::sliding_event_time{10ms, 5ms, 2ms}).count()};
  h.push({"a", 0}, 7);  // [2,12) [7,17)
  h.watermark(max_watermark);
  CHECK(h.output() == count_results{{"a", {2, 12}, 1}, {"a", {7, 17}, 1}});
}

TEST_CASE("a global window without a trigger never fires", "[runtime][window][global]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::global{}).count()};
  for (timestamp ts = 0; ts < 100; ts += 10)
    h.push({"a", 0}, ts);
  h.watermark(max_watermark);
  h.finish();
  CHECK(h.output().empty());
}

TEST_CASE("session windows stay apart while their gap separates them", "[runtime][window][session]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::event_time_session{10ms}).count()};
  h.push({"a", 0}, 0);
  h.push({"a", 0}, 30);
  h.push({"b", 0}, 5);
  h.watermark(14);
  CHECK(sorted(h.output()) == count_results{{"a", {0, 10}, 1}, {"b", {5, 15}, 1}});
  h.watermark(39);
  CHECK(h.output().back() == count_result{"a", {30, 40}, 1});
  CHECK(h.output().size() == 3);
}

TEST_CASE("a record bridging two sessions merges them into one window counting all their records",
          "[runtime][window][session]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::event_time_session{10ms}).count()};
  h.push({"a", 0}, 0);
  h.push({"a", 0}, 2);   // session [0,12) of 2 records
  h.push({"a", 0}, 20);
  h.push({"a", 0}, 21);
  h.push({"a", 0}, 25);  // session [20,35) of 3 records
  h.push({"b", 0}, 11);  // another key: not merged with a's
  h.watermark(10);
  CHECK(h.output().empty());
  h.push({"a", 0}, 11);  // [11,21) touches both
  h.watermark(11);       // the end of the old first session: nothing fires
  CHECK(h.output().empty());
  h.watermark(20);
  CHECK(h.output() == count_results{{"b", {11, 21}, 1}});
  h.watermark(34);
  CHECK(h.output() == count_results{{"b", {11, 21}, 1}, {"a", {0, 35}, 6}});
  CHECK(h.output_timestamps() == timestamps{20, 34});
  h.watermark(100);
  CHECK(h.output().size() == 2);
}

TEST_CASE("session windows that just touch merge", "[runtime][window][session]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::event_time_session{10ms}).count()};
  h.push({"a", 0}, 0);   // [0,10)
  h.push({"a", 0}, 10);  // [10,20)
  h.watermark(max_watermark);
  CHECK(h.output() == count_results{{"a", {0, 20}, 2}});
}

TEST_CASE("a merged session window reports its bounds to the process function", "[runtime][window][session]") {
  stream_environment env;
  auto s = keyed_kv(env)
             .window(windows::event_time_session{5ms})
             .process([](const window_context<std::string>& ctx, const std::vector<kv>& recs,
                         collector<std::string>& out) {
               int sum = 0;
               for (auto& r : recs)
                 sum += r.second;
               out.collect(ctx.key() + " " + std::to_string(ctx.window().start) + ".."
                           + std::to_string(ctx.window().end) + " n=" + std::to_string(recs.size())
                           + " sum=" + std::to_string(sum));
             });
  operator_harness<kv, std::string> h{env, s};
  h.push({"a", 1}, 100);
  h.push({"a", 2}, 110);
  h.push({"a", 4}, 105);  // [105,110) touches [100,105) and [110,115)
  h.watermark(200);
  CHECK(h.output() == std::vector<std::string>{"a 100..115 n=3 sum=7"});
  CHECK(h.output_timestamps() == timestamps{114});
}

TEST_CASE("dynamic session gaps come from each record", "[runtime][window][session]") {
  stream_environment env;
  auto gap = [](const kv& r) -> timestamp { return r.second; };
  harness h{env, keyed_kv(env).window(windows::dynamic_event_time_session{gap}).count()};
  h.push({"a", 5}, 0);   // [0,5)
  h.push({"a", 20}, 7);  // [7,27)
  h.push({"a", 2}, 4);   // [4,6): merges with [0,5) only
  h.watermark(26);
  CHECK(h.output() == count_results{{"a", {0, 6}, 2}, {"a", {7, 27}, 1}});
  CHECK(h.output_timestamps() == timestamps{5, 26});
}

TEST_CASE("a dynamic session gap can bridge two sessions", "[runtime][window][session]") {
  stream_environment env;
  auto gap = [](const kv& r) -> timestamp { return r.second; };
  harness h{env, keyed_kv(env).window(windows::dynamic_event_time_session{gap}).count()};
  h.push({"a", 5}, 0);   // [0,5)
  h.push({"a", 20}, 7);  // [7,27)
  h.push({"a", 1}, 5);   // [5,6) touches [0,5) only
  h.push({"a", 2}, 6);   // [6,8) touches [0,6) and [7,27)
  h.watermark(26);
  CHECK(h.output() == count_results{{"a", {0, 27}, 4}});
}

TEST_CASE("tumbling count windows fire and purge every n records of a key", "[runtime][window][count]") {
  stream_environment env;
  harness h{env, keyed_kv(env).count_window(3).count()};
  for (int i = 1; i <= 7; ++i) {
    h.push({"a", i}, i);
    if (i <= 3)
      h.push({"b", i}, i);
  }
  CHECK(h.output() == count_results{{"a", global_window(), 3}, {"b", global_window(), 3}, {"a", global_window(), 3}});
  CHECK(h.output_timestamps() == timestamps{max_watermark - 1, max_watermark - 1, max_watermark - 1});
  h.watermark(max_watermark);  // a global window with a count trigger never fires on time
  CHECK(h.output().size() == 3);
}

TEST_CASE("count windows need no event timestamps", "[runtime][window][count]") {
  stream_environment env;
  harness h{env, keyed_kv(env).count_window(2).count()};
  h.push({"a", 1});
  h.push({"a", 2});
  h.push({"a", 3});
  CHECK(h.output() == count_results{{"a", global_window(), 2}});
}

TEST_CASE("sliding count windows emit the last size records every slide records", "[runtime][window][count]") {
  stream_environment env;
  auto s = keyed_kv(env).count_window(3, 2).sum([](const kv& r) { return r.second; });
  operator_harness<kv, windowed<std::string, int>> h{env, s};
  for (int i = 1; i <= 7; ++i)
    h.push({"a", i}, i);
  using sums = std::vector<windowed<std::string, int>>;
  CHECK(h.output() == sums{{"a", global_window(), 1 + 2}, {"a", global_window(), 2 + 3 + 4},
                           {"a", global_window(), 4 + 5 + 6}});
}

TEST_CASE("sliding count windows reduce over the kept records only", "[runtime][window][count]") {
  stream_environment env;
  auto s = keyed_kv(env).count_window(2, 1).reduce([](const kv& a, const kv& b) {
    return kv{a.first, a.second * 10 + b.second};
  });
  operator_harness<kv, kv> h{env, s};
  for (int i = 1; i <= 4; ++i)
    h.push({"a", i}, i);
  CHECK(as_text(h.output()) == texts{"a=1", "a=12", "a=23", "a=34"});
}

TEST_CASE("processing-time tumbling windows fire when the clock passes their end", "[runtime][window][processing]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_processing_time{10ms}).count()};
  h.push({"a", 0}, 1000);  // at processing time 0; the event timestamp does not matter
  h.clock().now = 5;
  h.push({"a", 0});
  h.advance_processing_time(8);
  CHECK(h.output().empty());
  h.advance_processing_time(9);
  CHECK(h.output() == count_results{{"a", {0, 10}, 2}});
  CHECK(h.output_timestamps() == timestamps{9});
  h.clock().now = 12;
  h.push({"a", 0});
  h.push({"b", 0}, 3);
  h.advance_processing_time(15);
  CHECK(h.output().size() == 1);
  CHECK(std::find(h.clock().wakeups.begin(), h.clock().wakeups.end(), 19) != h.clock().wakeups.end());
  h.watermark(1000);  // event time does not fire processing-time windows
  CHECK(h.output().size() == 1);
  // The max watermark is the end of input: windows still open fire now,
  // before the watermark is passed on.
  h.watermark(max_watermark);
  CHECK(sorted(h.output()) == count_results{{"a", {0, 10}, 2}, {"a", {10, 20}, 1}, {"b", {10, 20}, 1}});
  CHECK(h.output_watermarks() == std::vector<timestamp>{1000, max_watermark});
  h.finish();
  CHECK(h.output().size() == 3);
  CHECK(h.finished());
}

TEST_CASE("a processing-time window asks for a wake-up at its end", "[runtime][window][processing]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_processing_time{10ms}).count()};
  h.clock().now = 23;
  h.push({"a", 0});
  REQUIRE_FALSE(h.clock().wakeups.empty());
  CHECK(h.clock().wakeups.back() == 29);
  h.advance_processing_time(40);  // late wake-up: still fires, once
  h.advance_processing_time(50);
  CHECK(h.output() == count_results{{"a", {20, 30}, 1}});
}

TEST_CASE("processing-time sliding windows fire each window at its own end", "[runtime][window][processing]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::sliding_processing_time{10ms, 5ms}).count()};
  h.clock().now = 7;
  h.push({"a", 0});
  h.advance_processing_time(9);
  CHECK(h.output() == count_results{{"a", {0, 10}, 1}});
  h.advance_processing_time(14);
  CHECK(h.output() == count_results{{"a", {0, 10}, 1}, {"a", {5, 15}, 1}});
}

TEST_CASE("processing-time session windows merge by arrival time", "[runtime][window][processing][session]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::processing_time_session{10ms}).count()};
  h.push({"a", 0}, 500);  // at 0: [0,10)
  h.clock().now = 8;
  h.push({"a", 0}, 1);    // at 8: [8,18), merged [0,18)
  h.advance_processing_time(9);
  CHECK(h.output().empty());
  h.advance_processing_time(17);
  CHECK(h.output() == count_results{{"a", {0, 18}, 2}});
  CHECK(h.output_timestamps() == timestamps{17});
}

TEST_CASE("out-of-order records within the watermark delay count in their window", "[runtime][window]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).count()};
  h.push({"a", 0}, 5);
  h.push({"a", 0}, 12);
  h.push({"a", 0}, 3);
  h.watermark(7);
  h.push({"a", 0}, 8);  // after a record of the next window, not yet late
  h.watermark(9);
  CHECK(h.output() == count_results{{"a", {0, 10}, 3}});
  h.push({"a", 0}, 14);
  h.watermark(19);
  CHECK(h.output() == count_results{{"a", {0, 10}, 3}, {"a", {10, 20}, 2}});
}

TEST_CASE("windows without records never emit", "[runtime][window]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).count()};
  h.push({"a", 0}, 3);
  h.push({"a", 0}, 55);
  for (timestamp wm = 0; wm <= 100; wm += 7)
    h.watermark(wm);
  CHECK(h.output() == count_results{{"a", {0, 10}, 1}, {"a", {50, 60}, 1}});
}

TEST_CASE("the window operator forwards watermarks after firing", "[runtime][window]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).count()};
  h.push({"a", 0}, 1);
  h.watermark(9);
  h.watermark(25);
  h.watermark(max_watermark);
  CHECK(h.output_watermarks() == timestamps{9, 25, max_watermark});
  CHECK(h.output().size() == 1);
}

TEST_CASE("an event-time window rejects a record without a timestamp", "[runtime][window]") {
  stream_environment env;
  harness h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).count()};
  CHECK_THROWS_WITH(h.push({"a", 0}), Catch::Contains("no event timestamp"));
}
