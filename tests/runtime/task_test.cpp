// The task state machine on its own: credits, pending queues and end of
// stream, with a transport that records instead of sending.

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "runtime/datastream.hpp"
#include "runtime/task.hpp"
#include "runtime/window.hpp"

using namespace rivulet;

namespace {

struct recording_transport final : task_transport {
  std::vector<std::pair<std::size_t, std::size_t>> data;  // (channel, records)
  std::vector<timestamp> watermarks;                       // per data message
  std::vector<std::size_t> ends;
  std::vector<std::size_t> credits;                        // input channel per credit
  int steps_scheduled = 0;
  int flushes_scheduled = 0;

  void send_data(std::size_t ch, batch_ptr b) override {
    data.emplace_back(ch, b->size());
    watermarks.push_back(b->watermark);
  }
  void send_end(std::size_t ch) override {
    ends.push_back(ch);
  }
  void send_credit(std::size_t ch, std::uint32_t n) override {
    for (std::uint32_t i = 0; i < n; ++i)
      credits.push_back(ch);
  }
  void schedule_step() override {
    ++steps_scheduled;
  }
  void schedule_flush(std::chrono::microseconds) override {
    ++flushes_scheduled;
  }
  timestamp now() const override {
    return clock;
  }
  void schedule_wakeup(std::chrono::milliseconds delay) override {
    wakeups.push_back(clock + delay.count());
  }
  timestamp clock = 0;
  std::vector<timestamp> wakeups;  // absolute times asked for
};

job_config small_batches() {
  job_config cfg;
  cfg.parallelism = 1;
  cfg.batch_size = 4;
  cfg.credits = 2;
  cfg.chaining = false;
  cfg.linger = std::chrono::microseconds{1000};
  return cfg;
}

batch_ptr ints(int n) {
  auto b = std::make_shared<batch<int>>();
  for (int i = 0; i < n; ++i) {
    b->records.push_back(i);
    b->timestamps.push_back(no_timestamp);
  }
  return b;
}

std::vector<int> range(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    v[static_cast<std::size_t>(i)] = i;
  return v;
}

} // namespace

TEST_CASE("a source stops producing when its credit runs out", "[runtime][flow]") {
  stream_environment env{small_batches()};
  env.from_collection(range(100)).rebalance().map([](int x) { return x; }).collect();
  auto plan = env.plan();
  recording_transport tr;
  task src{env.graph(), plan, 0, 0, env.config(), tr};
  src.open();
  src.start();
  CHECK(tr.steps_scheduled == 1);
  for (int i = 0; i < 10; ++i)
    src.on_step();
  // Two batches (the window) went out; the third waits for credit and the
  // source has produced nothing since.
  CHECK(tr.data.size() == 2);
  auto m = src.metrics();
  CHECK(m.max_inflight_batches == 2);
  CHECK(m.max_inflight_records == 8);
  CHECK(m.max_pending_batches == 1);
  CHECK(m.nodes[0].records_out == 12);
  src.on_credit(0, 1);
  CHECK(tr.data.size() == 3);
  CHECK(src.metrics().nodes[0].records_out == 12);
}

TEST_CASE("a source ends its channels after its last batch is credited", "[runtime][flow]") {
  stream_environment env{small_batches()};
  env.from_collection(range(10)).rebalance().map([](int x) { return x; }).collect();
  auto plan = env.plan();
  recording_transport tr;
  task src{env.graph(), plan, 0, 0, env.config(), tr};
  src.open();
  src.start();
  for (int i = 0; i < 5; ++i)
    src.on_step();
  // 10 records: batches of 4, 4 and a partial 2 flushed at end of input,
  // which needs a third credit before the end of stream may follow it.
  CHECK(tr.data.size() == 2);
  CHECK(tr.ends.empty());
  CHECK_FALSE(src.done());
  src.on_credit(0, 1);
  CHECK(tr.data.size() == 3);
  CHECK(tr.data.back().second == 2);
  CHECK(tr.ends == std::vector<std::size_t>{0});
  CHECK(src.done());
}

TEST_CASE("a blocked task queues input and withholds its credit", "[runtime][flow]") {
  stream_environment env{small_batches()};
  env.from_collection(range(1)).rebalance().map([](int x) { return x + 1; }).rebalance().collect();
  auto plan = env.plan();
  REQUIRE(plan.tasks.size() == 3);
  recording_transport tr;
  task mid{env.graph(), plan, 1, 0, env.config(), tr};
  mid.open();
  mid.start();
  for (int i = 0; i < 4; ++i)
    mid.on_data(0, ints(4));
  // Batches 1 and 2 used the output window, batch 3 was processed into a
  // pending output batch, batch 4 waits unprocessed: three credits back.
  CHECK(tr.data.size() == 2);
  CHECK(tr.credits.size() == 3);
  CHECK(mid.metrics().max_queued_batches == 1);
  mid.on_credit(0, 1);
  CHECK(tr.data.size() == 3);
  CHECK(tr.credits.size() == 4);
  mid.on_end(0);
  CHECK_FALSE(mid.done());
  mid.on_credit(0, 2);
  // The last batch of records, then an empty batch carrying the end-of-input
  // watermark, then the end of stream.
  REQUIRE(tr.data.size() == 5);
  CHECK(tr.data[4].second == 0);
  CHECK(tr.watermarks[4] == max_watermark);
  CHECK(mid.done());
  CHECK(tr.ends.size() == 1);
  auto m = mid.metrics();
  CHECK(m.nodes[0].records_in == 16);
  CHECK(m.nodes[0].records_out == 16);
}

TEST_CASE("a partial batch waits for the linger timer", "[runtime][flow]") {
  stream_environment env{small_batches()};
  env.from_collection(range(1)).rebalance().map([](int x) { return x; }).rebalance().collect();
  auto plan = env.plan();
  recording_transport tr;
  task mid{env.graph(), plan, 1, 0, env.config(), tr};
  mid.open();
  mid.start();
  mid.on_data(0, ints(3));
  CHECK(tr.data.empty());
  CHECK(tr.flushes_scheduled == 1);
  mid.on_data(0, ints(0));
  CHECK(tr.flushes_scheduled == 1);
  mid.on_flush_timer();
  REQUIRE(tr.data.size() == 1);
  CHECK(tr.data[0].second == 3);
}

TEST_CASE("data on an ended channel is a protocol error, not a crash", "[runtime][flow]") {
  stream_environment env{small_batches()};
  env.from_collection(range(1)).rebalance().collect();
  auto plan = env.plan();
  recording_transport tr;
  task sink{env.graph(), plan, 1, 0, env.config(), tr};
  sink.open();
  sink.start();
  sink.on_end(0);
  CHECK(sink.done());
  CHECK_THROWS_WITH(sink.on_data(0, ints(1)), Catch::Contains("closed or unknown channel 0"));
  CHECK_THROWS_WITH(sink.on_data(7, ints(1)), Catch::Contains("channel 7"));
}

TEST_CASE("processing-time wake-ups are scheduled once per due time and re-armed after firing", "[runtime][flow]") {
  using namespace std::chrono_literals;
  stream_environment env{small_batches()};
  env.from_collection(range(1))
    .rebalance()
    .key_by([](int x) { return x % 2; })
    .window(windows::tumbling_processing_time{10ms})
    .count()
    .collect();
  auto plan = env.plan();
  recording_transport tr;
  tr.clock = 3;
  task win{env.graph(), plan, 1, 0, env.config(), tr};
  win.open();
  win.start();
  win.on_data(0, ints(4));  // keys 0 and 1, both in window [0, 10)
  CHECK(tr.wakeups == std::vector<timestamp>{9});
  win.on_data(0, ints(2));  // same windows: no second wake-up
  CHECK(tr.wakeups.size() == 1);
  tr.clock = 9;
  win.on_wakeup();  // fires both windows (one partial batch, lingering)
  tr.clock = 12;
  win.on_data(0, ints(1));  // window [10, 20): a new wake-up
  CHECK(tr.wakeups == std::vector<timestamp>{9, 19});
}
