// Triggers set on windowed streams: count, continuous event time, purging,
// and triggers written by the user.

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "runtime/datastream.hpp"
#include "tests/support/operator_harness.hpp"
#include "tests/support/window_test_helpers.hpp"

using namespace rivulet;
using namespace rivulet::testing;
using namespace std::chrono_literals;

namespace {

using harness = operator_harness<kv, count_result>;

auto tumbling10(stream_environment& env) {
  return keyed_kv(env).window(windows::tumbling_event_time{10ms});
}

count_results repeat(const count_result& r, std::vector<std::int64_t> counts) {
  count_results out;
  for (auto n : counts)
    out.push_back({r.key, r.window, n});
  return out;
}

/// Fires (without purging) on every record whose value is above 100, and
/// never on time.
class fire_on_big final : public trigger<kv> {
public:
  trigger_result on_element(const kv& rec, timestamp, const time_window&, trigger_context&) override {
    return rec.second > 100 ? trigger_result::fire : trigger_result::proceed;
  }
  trigger_result on_event_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  trigger_result on_processing_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  void clear(const time_window&, trigger_context&) override {}
};

/// Fires and purges `delay_ms` of event time after the first record since
/// the last firing; keeps that time in slot 0.
class fire_after_first final : public trigger<kv> {
public:
  explicit fire_after_first(timestamp delay_ms) : delay_ms_(delay_ms) {
  }
  trigger_result on_element(const kv&, timestamp ts, const time_window&, trigger_context& ctx) override {
    if (ctx.slot(0) == 0) {
      ctx.slot(0) = ts + delay_ms_;
      ctx.register_event_time_timer(ctx.slot(0));
    }
    return trigger_result::proceed;
  }
  trigger_result on_event_time(timestamp time, const time_window&, trigger_context& ctx) override {
    if (time != ctx.slot(0))
      return trigger_result::proceed;
    ctx.slot(0) = 0;
    return trigger_result::fire_and_purge;
  }
  trigger_result on_processing_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  void clear(const time_window&, trigger_context& ctx) override {
    if (ctx.slot(0) != 0)
      ctx.delete_event_time_timer(ctx.slot(0));
  }

private:
  timestamp delay_ms_;
};

} // namespace

TEST_CASE("a count trigger fires a window every n records and not at its end", "[runtime][window][trigger]") {
  stream_environment env;
  harness h{env, tumbling10(env).trigger(std::make_shared<triggers::count<kv>>(2)).count()};
  for (timestamp ts = 1; ts <= 5; ++ts)
    h.push({"a", 0}, ts);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {2, 4}));  // not purged: the contents keep growing
  h.watermark(9);
  CHECK(h.output().size() == 2);
  CHECK(h.output_timestamps() == timestamps{9, 9});
}

TEST_CASE("a count trigger counts each window on its own", "[runtime][window][trigger]") {
  stream_environment env;
  harness h{env, tumbling10(env).trigger(std::make_shared<triggers::count<kv>>(2)).count()};
  h.push({"a", 0}, 1);
  h.push({"a", 0}, 11);
  h.push({"b", 0}, 2);
  h.push({"a", 0}, 12);
  h.push({"a", 0}, 3);
  CHECK(h.output() == count_results{{"a", {10, 20}, 2}, {"a", {0, 10}, 2}});
}

TEST_CASE("a purging count trigger clears the window, so the next firing counts only new records",
          "[runtime][window][trigger]") {
  stream_environment env;
  auto purging_count = std::make_shared<triggers::purging<kv>>(std::make_shared<triggers::count<kv>>(2));
  harness h{env, tumbling10(env).trigger(purging_count).count()};
  for (timestamp ts = 1; ts <= 5; ++ts)
    h.push({"a", 0}, ts);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {2, 2}));
  h.watermark(9);  // one record left, but a count trigger never fires on time
  CHECK(h.output().size() == 2);
}

TEST_CASE("a count trigger's counts add up when session windows merge", "[runtime][window][trigger][session]") {
  stream_environment env;
  auto s = keyed_kv(env)
             .window(windows::event_time_session{10ms})
             .trigger(std::make_shared<triggers::count<kv>>(3))
             .count();
  harness h{env, s};
  h.push({"a", 0}, 0);   // [0,10): 1
  h.push({"a", 0}, 15);  // [15,25): 1
  CHECK(h.output().empty());
  h.push({"a", 0}, 8);   // merged [0,25): 1 + 1 + 1
  CHECK(h.output() == count_results{{"a", {0, 25}, 3}});
  h.watermark(24);
  CHECK(h.output().size() == 1);
}

TEST_CASE("a continuous event-time trigger fires early every interval and at the window's end",
          "[runtime][window][trigger]") {
  stream_environment env;
  harness h{env, tumbling10(env).trigger(std::make_shared<triggers::continuous_event_time<kv>>(4ms)).count()};
  h.push({"a", 0}, 1);
  h.push({"a", 0}, 2);
  h.watermark(3);
  CHECK(h.output().empty());
  h.watermark(4);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {2}));
  h.push({"a", 0}, 6);
  h.watermark(8);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {2, 3}));
  h.watermark(9);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {2, 3, 3}));
  CHECK(h.output_timestamps() == timestamps{9, 9, 9});
  h.push({"a", 0}, 15);  // first early firing at the next multiple of 4: 16
  h.watermark(15);
  CHECK(h.output().size() == 3);
  h.watermark(16);
  CHECK(h.output().back() == count_result{"a", {10, 20}, 1});
  h.watermark(19);
  CHECK(h.output().size() == 5);
  CHECK(h.output().back() == count_result{"a", {10, 20}, 1});
  h.watermark(100);
  CHECK(h.output().size() == 5);
}

TEST_CASE("a continuous event-time trigger stops its early firings at the window's end",
          "[runtime][window][trigger][lateness]") {
  stream_environment env;
  auto s = tumbling10(env)
             .trigger(std::make_shared<triggers::continuous_event_time<kv>>(4ms))
             .allowed_lateness(10ms)
             .count();
  harness h{env, s};
  h.push({"a", 0}, 1);
  h.watermark(4);
  h.watermark(8);
  h.watermark(9);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {1, 1, 1}));
  h.watermark(12);  // past the end: no more early firings with nothing new
  CHECK(h.output().size() == 3);
  h.push({"a", 0}, 5);  // late within lateness: fires at once
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {1, 1, 1, 2}));
  h.watermark(19);
  CHECK(h.output().size() == 4);
}

TEST_CASE("a purging continuous trigger emits only what arrived since its last firing",
          "[runtime][window][trigger]") {
  stream_environment env;
  auto purging_continuous = std::make_shared<triggers::purging<kv>>(
    std::make_shared<triggers::continuous_event_time<kv>>(4ms));
  harness h{env, tumbling10(env).trigger(purging_continuous).count()};
  h.push({"a", 0}, 1);
  h.push({"a", 0}, 2);
  h.watermark(4);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {2}));
  h.push({"a", 0}, 5);
  h.watermark(8);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {2, 1}));
  h.watermark(9);  // the end fires an empty window: nothing is emitted
  CHECK(h.output().size() == 2);
}

TEST_CASE("a custom trigger decides per record when a window fires", "[runtime][window][trigger]") {
  stream_environment env;
  harness h{env, tumbling10(env).trigger(std::make_shared<fire_on_big>()).count()};
  h.push({"a", 5}, 1);
  CHECK(h.output().empty());
  h.push({"a", 150}, 2);
  CHECK(h.output() == repeat({"a", {0, 10}, 0}, {2}));
  h.push({"a", 7}, 3);
  h.push({"a", 200}, 4);
  h.push({"b", 101}, 5);
  CHECK(h.output() == count_results{{"a", {0, 10}, 2}, {"a", {0, 10}, 4}, {"b", {0, 10}, 1}});
  h.watermark(9);  // this trigger never fires on time; the window is cleaned up
  h.push({"a", 300}, 6);  // late: dropped
  CHECK(h.output().size() == 3);
  CHECK(h.output_timestamps() == timestamps{9, 9, 9});
}

TEST_CASE("a custom trigger can keep state in its slots and set timers", "[runtime][window][trigger]") {
  stream_environment env;
  auto s = keyed_kv(env)
             .window(windows::tumbling_event_time{100ms})
             .trigger(std::make_shared<fire_after_first>(5))
             .count();
  harness h{env, s};
  h.push({"a", 0}, 1);
  h.push({"a", 0}, 3);
  h.watermark(5);
  CHECK(h.output().empty());
  h.watermark(6);
  CHECK(h.output() == repeat({"a", {0, 100}, 0}, {2}));
  h.push({"a", 0}, 10);
  h.watermark(14);
  CHECK(h.output().size() == 1);
  h.watermark(15);
  CHECK(h.output() == repeat({"a", {0, 100}, 0}, {2, 1}));
  h.push({"a", 0}, 96);  // its timer at 101 is deleted when the window is cleaned up at 99
  h.watermark(99);
  h.watermark(200);
  CHECK(h.output().size() == 2);
}
