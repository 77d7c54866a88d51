// What windows compute: reduce, aggregate, process, count and sum, their
// output timestamps, merging of their state in session windows, and
// non-keyed windows (window_all).

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "runtime/datastream.hpp"
#include "tests/support/operator_harness.hpp"
#include "tests/support/window_test_helpers.hpp"

using namespace rivulet;
using namespace rivulet::testing;
using namespace std::chrono_literals;

namespace {

kv max_value(const kv& a, const kv& b) {
  return a.second >= b.second ? a : b;
}

struct mean_acc {
  std::int64_t sum = 0;
  std::int64_t n = 0;
};

auto mean() {
  return make_aggregate([] { return mean_acc{}; },
                        [](mean_acc& a, const kv& r) {
                          a.sum += r.second;
                          ++a.n;
                        },
                        [](mean_acc& a, const mean_acc& b) {
                          a.sum += b.sum;
                          a.n += b.n;
                        },
                        [](const mean_acc& a) { return static_cast<double>(a.sum) / static_cast<double>(a.n); });
}

std::string describe(const window_context<std::string>& ctx, const std::vector<kv>& recs) {
  int sum = 0;
  for (auto& r : recs)
    sum += r.second;
  std::ostringstream os;
  os << ctx.key() << ' ' << ctx.window() << " wm=" << ctx.current_watermark()
     << " now=" << ctx.current_processing_time() << " n=" << recs.size() << " sum=" << sum;
  return os.str();
}

} // namespace

TEST_CASE("a window reduce folds each window's records with the user function", "[runtime][window][function]") {
  stream_environment env;
  operator_harness<kv, kv> h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).reduce(max_value)};
  h.push({"a", 3}, 1);
  h.push({"a", 7}, 2);
  h.push({"a", 5}, 3);
  h.push({"b", 4}, 4);
  h.push({"a", 9}, 10);
  h.watermark(9);
  CHECK(as_text(sorted(h.output())) == texts{"a=7", "b=4"});
  CHECK(h.output_timestamps() == timestamps{9, 9});
  h.watermark(19);
  CHECK(as_text(h.output()).back() == "a=9");
  CHECK(h.output_timestamps().back() == 19);
}

TEST_CASE("a window reduce shapes its result with a window function", "[runtime][window][function]") {
  stream_environment env;
  auto s = keyed_kv(env).window(windows::tumbling_event_time{10ms}).reduce(
    max_value, [](const std::string& key, const time_window& w, const kv& best) {
      return key + "@" + std::to_string(w.start) + "=" + std::to_string(best.second);
    });
  operator_harness<kv, std::string> h{env, s};
  h.push({"a", 3}, 11);
  h.push({"a", 8}, 12);
  h.watermark(19);
  CHECK(h.output() == std::vector<std::string>{"a@10=8"});
}

TEST_CASE("a window aggregate keeps an accumulator and emits its result", "[runtime][window][function]") {
  stream_environment env;
  operator_harness<kv, double> h{env, keyed_kv(env).window(windows::tumbling_event_time{10ms}).aggregate(mean())};
  h.push({"a", 1}, 1);
  h.push({"a", 2}, 2);
  h.push({"a", 3}, 13);
  h.push({"a", 5}, 14);
  h.push({"a", 7}, 15);
  h.watermark(19);
  CHECK(h.output() == std::vector<double>{1.5, 5.0});
  CHECK(h.output_timestamps() == timestamps{9, 19});
}

TEST_CASE("a window aggregate shapes its result with a window function", "[runtime][window][function]") {
  stream_environment env;
  auto s = keyed_kv(env).window(windows::tumbling_event_time{10ms}).aggregate(
    mean(), [](const std::string& key, const time_window& w, const double& m) {
      return windowed<std::string, double>{key, w, m};
    });
  operator_harness<kv, windowed<std::string, double>> h{env, s};
  h.push({"a", 2}, 1);
  h.push({"a", 3}, 2);
  h.watermark(9);
  CHECK(h.output() == std::vector<windowed<std::string, double>>{{"a", {0, 10}, 2.5}});
}

TEST_CASE("aggregate and reduce state merges when session windows merge", "[runtime][window][function][session]") {
  stream_environment env;
  auto keyed = keyed_kv(env).window(windows::event_time_session{10ms});
  operator_harness<kv, double> means{env, keyed.aggregate(mean())};
  operator_harness<kv, kv> maxima{env, keyed.reduce(max_value)};
  for (auto [value, ts] : std::vector<std::pair<int, timestamp>>{{2, 0}, {9, 15}, {4, 10}}) {
    means.push({"a", value}, ts);
    maxima.push({"a", value}, ts);
  }
  means.watermark(24);
  maxima.watermark(24);
  CHECK(means.output() == std::vector<double>{5.0});
  CHECK(as_text(maxima.output()) == texts{"a=9"});
  CHECK(means.output_timestamps() == timestamps{24});
}

TEST_CASE("a process window function sees the key, window, clocks and all records", "[runtime][window][function]") {
  stream_environment env;
  auto s = keyed_kv(env)
             .window(windows::tumbling_event_time{10ms})
             .allowed_lateness(10ms)
             .process([](const window_context<std::string>& ctx, const std::vector<kv>& recs,
                         collector<std::string>& out) { out.collect(describe(ctx, recs)); });
  operator_harness<kv, std::string> h{env, s};
  h.push({"a", 1}, 4);
  h.push({"a", 2}, 8);
  h.push({"a", 3}, 1);
  h.clock().now = 77;
  h.watermark(9);
  CHECK(h.output() == std::vector<std::string>{"a [0,10) wm=9 now=77 n=3 sum=6"});
  h.watermark(12);
  h.push({"a", 4}, 2);  // late within lateness: fires again with the watermark of now
  CHECK(h.output().back() == "a [0,10) wm=12 now=77 n=4 sum=10");
  CHECK(h.output_timestamps() == timestamps{9, 9});
}

TEST_CASE("every result a process function emits carries the window's last timestamp",
          "[runtime][window][function]") {
  stream_environment env;
  auto s = keyed_kv(env)
             .window(windows::tumbling_event_time{100ms})
             .process([](const window_context<std::string>&, const std::vector<kv>& recs, collector<int>& out) {
               for (auto& r : recs)
                 out.collect(r.second);
             });
  operator_harness<kv, int> h{env, s};
  h.push({"a", 1}, 150);
  h.push({"a", 2}, 101);
  h.watermark(199);
  CHECK(h.output() == std::vector<int>{1, 2});  // in arrival order
  CHECK(h.output_timestamps() == timestamps{199, 199});
}

TEST_CASE("a process window function can emit to a side output", "[runtime][window][function]") {
  stream_environment env;
  output_tag<std::string> notes{"notes"};
  auto s = keyed_kv(env)
             .window(windows::tumbling_event_time{10ms})
             .process([notes](const window_context<std::string>& ctx, const std::vector<kv>& recs,
                              collector<std::int64_t>& out) {
               out.collect(static_cast<std::int64_t>(recs.size()));
               ctx.output(notes, "closed " + ctx.key());
             });
  operator_harness<kv, std::int64_t, std::string> h{env, s, notes};
  h.push({"a", 1}, 1);
  h.watermark(9);
  CHECK(h.output() == std::vector<std::int64_t>{1});
  CHECK(h.side_output() == std::vector<std::string>{"closed a"});
}

TEST_CASE("window count and sum emit key, window and value", "[runtime][window][function]") {
  stream_environment env;
  auto windowed_kv = keyed_kv(env).window(windows::tumbling_event_time{10ms});
  operator_harness<kv, count_result> counts{env, windowed_kv.count()};
  operator_harness<kv, windowed<std::string, int>> sums{env, windowed_kv.sum([](const kv& r) { return r.second; })};
  for (auto [value, ts] : std::vector<std::pair<int, timestamp>>{{5, 1}, {6, 2}, {-2, 3}, {10, 15}}) {
    counts.push({"a", value}, ts);
    sums.push({"a", value}, ts);
  }
  counts.watermark(19);
  sums.watermark(19);
  CHECK(counts.output() == count_results{{"a", {0, 10}, 3}, {"a", {10, 20}, 1}});
  using sum_results = std::vector<windowed<std::string, int>>;
  CHECK(sums.output() == sum_results{{"a", {0, 10}, 9}, {"a", {10, 20}, 10}});
  CHECK(sums.output_timestamps() == timestamps{9, 19});
}

TEST_CASE("window_all puts every record in one window operator whatever its key", "[runtime][window][function]") {
  stream_environment env;
  auto s = env.from_collection(std::vector<kv>{}).window_all(windows::tumbling_event_time{10ms}).count();
  CHECK(env.graph().node(s.node_id()).parallelism == 1);
  using all_results = std::vector<windowed<int, std::int64_t>>;
  operator_harness<kv, windowed<int, std::int64_t>> h{env, s};
  h.push({"a", 0}, 1);
  h.push({"b", 0}, 2);
  h.push({"c", 0}, 12);
  h.watermark(19);
  CHECK(h.output() == all_results{{0, {0, 10}, 2}, {0, {10, 20}, 1}});
  CHECK(h.output_timestamps() == timestamps{9, 19});
}
