#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "runtime/datastream.hpp"
#include "tests/support/operator_harness.hpp"

using namespace rivulet;
using rivulet::testing::operator_harness;

namespace {

using kv = std::pair<std::string, int>;

/// Sums values per key; emits the sum 10 ms (event time) after a key's
/// first record, and on a processing-time timer emits "tick".
struct delayed_sum {
  using output_type = std::string;
  struct state_type {
    int sum = 0;
    bool timer_set = false;
  };
  void process_element(const kv& r, keyed_context<std::string, state_type>& ctx, collector<std::string>& out) {
    auto& st = ctx.state();
    st.sum += r.second;
    if (!st.timer_set) {
      st.timer_set = true;
      ctx.register_event_time_timer(ctx.timestamp() + 10);
    }
    if (r.second < 0)
      ctx.register_processing_time_timer(ctx.current_processing_time() + 100);
    if (r.second == 0)
      out.collect("zero for " + ctx.key());
  }
  void on_timer(timestamp t, keyed_context<std::string, state_type>& ctx, collector<std::string>& out) {
    if (ctx.current_processing_time() >= 100 && ctx.state().sum < 0) {
      out.collect("tick " + ctx.key());
      return;
    }
    out.collect(ctx.key() + "=" + std::to_string(ctx.state().sum) + "@" + std::to_string(t));
    ctx.clear_state();
  }
};

data_stream<kv> pairs(stream_environment& env) {
  return env.from_collection(std::vector<kv>{});
}

} // namespace

TEST_CASE("an event-time timer fires once the watermark reaches it, per key", "[runtime][process]") {
  stream_environment env;
  auto s = pairs(env).key_by([](const kv& r) { return r.first; }).process(delayed_sum{});
  operator_harness<kv, std::string> h{env, s};
  h.push({"a", 1}, 100);
  h.push({"b", 5}, 103);
  h.push({"a", 2}, 105);
  h.watermark(109);
  CHECK(h.output().empty());
  h.watermark(110);
  CHECK(h.output() == std::vector<std::string>{"a=3@110"});
  CHECK(h.output_timestamps() == std::vector<timestamp>{110});
  h.watermark(200);
  CHECK(h.output() == std::vector<std::string>{"a=3@110", "b=5@113"});
  // State was cleared: a new record starts over with a new timer.
  h.push({"a", 7}, 300);
  h.watermark(310);
  CHECK(h.output().back() == "a=7@310");
}

TEST_CASE("duplicate timers of a key fire once; deleted timers do not fire", "[runtime][process]") {
  struct fn {
    using output_type = int;
    void process_element(const int& x, keyed_context<int, no_state>& ctx, collector<int>&) {
      ctx.register_event_time_timer(50);
      ctx.register_event_time_timer(50);
      if (x < 0)
        ctx.delete_event_time_timer(50);
    }
    void on_timer(timestamp t, keyed_context<int, no_state>& ctx, collector<int>& out) {
      out.collect(ctx.key() * 1000 + static_cast<int>(t));
    }
  };
  stream_environment env;
  auto s = env.from_collection(std::vector<int>{}).key_by([](int x) { return x < 0 ? -x : x; }).process(fn{});
  operator_harness<int, int> h{env, s};
  h.push(1, 1);
  h.push(2, 1);
  h.push(-2, 2);  // same key as 2: deletes its timer
  h.watermark(100);
  CHECK(h.output() == std::vector<int>{1050});
}

TEST_CASE("processing-time timers fire when processing time reaches them", "[runtime][process]") {
  stream_environment env;
  auto s = pairs(env).key_by([](const kv& r) { return r.first; }).process(delayed_sum{});
  operator_harness<kv, std::string> h{env, s};
  h.push({"n", -4}, 1);
  CHECK(h.clock().wakeups == std::vector<timestamp>{100});
  h.advance_processing_time(99);
  CHECK(h.output().empty());
  h.advance_processing_time(100);
  CHECK(h.output() == std::vector<std::string>{"tick n"});
}

TEST_CASE("a process function emits to a side output through its context", "[runtime][process]") {
  static const output_tag<int> negatives{"negatives"};
  struct split {
    using output_type = int;
    void process_element(const int& x, keyed_context<int, no_state>& ctx, collector<int>& out) {
      if (x < 0)
        ctx.output(negatives, x);
      else
        out.collect(x);
    }
  };
  stream_environment env;
  auto s = env.from_collection(std::vector<int>{}).key_by([](int x) { return x; }).process(split{});
  operator_harness<int, int, int> h{env, s, negatives};
  for (int x : {3, -1, 4, -5})
    h.push(x, 0);
  CHECK(h.output() == std::vector<int>{3, 4});
  CHECK(h.side_output() == std::vector<int>{-1, -5});
}
