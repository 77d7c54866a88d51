// The native producer against a 3-node embedded cluster: keyed records land
// where Kafka's clients would put them, flush() waits for every report,
// unknown topics and a full buffer are reported as errors, and a leader
// node killed mid-stream loses and duplicates nothing acknowledged.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/producer.hpp"
#include "runtime/partitioner.hpp"
#include "tests/support/cluster_fixture.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace rivulet::testing;
using namespace std::chrono_literals;

namespace {

producer_config config_for(cluster_fixture& f) {
  producer_config pc;
  pc.bootstrap = f.cluster->running();
  pc.request_timeout = 2s;
  pc.retry_backoff = 20ms;
  pc.delivery_timeout = 60s;
  return pc;
}

/// Counts reports from callbacks; wait() blocks until `n` arrived.
struct report_counter {
  std::mutex m;
  std::condition_variable cv;
  std::vector<delivery> reports;

  producer::callback callback() {
    return [this](const delivery& d) {
      std::lock_guard<std::mutex> guard{m};
      reports.push_back(d);
      cv.notify_all();
    };
  }
  std::size_t size() {
    std::lock_guard<std::mutex> guard{m};
    return reports.size();
  }
};

/// The data records of (topic, partition) committed on `node`, by offset.
std::map<std::int64_t, std::string> read_offsets(cluster_fixture& f, std::int64_t node, const std::string& topic,
                                                 std::int32_t partition) {
  std::map<std::int64_t, std::string> out;
  std::int64_t offset = 0;
  for (int rounds = 0; rounds < 10000; ++rounds) {
    auto r = f.ask<fetch_reply>(f.cluster->node(node), topic_fetch{topic, partition, fetch_request{offset, 1 << 20, 0}});
    if (!r || !r->ok || r->batches.empty())
      break;
    std::vector<io::kafka::read_record> recs;
    REQUIRE(io::kafka::decode_batches(r->batches, offset, recs).ok());
    for (auto& rec : recs)
      out[rec.offset] = rec.value.value_or("<null>");
    offset = io::kafka::next_offset(r->batches, offset);
  }
  return out;
}

} // namespace

TEST_CASE("keyed records land on partition_for_key and keep their order per partition", "[producer]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "keyed", 4, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("keyed", 4); }));
  producer p{*f.sys, config_for(f)};
  std::vector<std::pair<std::string, std::future<delivery>>> sent;
  for (int i = 0; i < 2000; ++i) {
    auto key = "user-" + std::to_string(i % 37);
    sent.emplace_back(key, p.send("keyed", key, key + ":" + std::to_string(i)));
  }
  std::map<std::int32_t, std::int64_t> last_offset;
  std::map<std::int32_t, std::vector<std::string>> expected;  // values in send order per partition
  for (std::size_t i = 0; i < sent.size(); ++i) {
    auto& [key, fut] = sent[i];
    auto d = fut.get();
    INFO(d.error);
    REQUIRE(d.ok());
    CHECK(d.topic == "keyed");
    CHECK(d.partition == partition_for_key(key, 4));
    // Offsets grow in send order within a partition.
    auto it = last_offset.find(d.partition);
    if (it != last_offset.end())
      CHECK(d.offset > it->second);
    last_offset[d.partition] = d.offset;
    expected[d.partition].push_back(key + ":" + std::to_string(i));
  }
  for (auto& [partition, values] : expected) {
    std::vector<std::string> got;
    REQUIRE(eventually([&] {
      got = f.read_all(1, "keyed", partition);
      return got.size() >= values.size();
    }));
    CHECK(got == values);
  }
}

TEST_CASE("flush returns once every record sent before it is reported", "[producer]") {
  cluster_fixture f;
  REQUIRE(f.create(2, "flushed", 3, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("flushed", 3); }));
  auto pc = config_for(f);
  pc.linger = 1h;  // only flush() (or full batches) sends
  pc.keyless_partitioning = producer_config::keyless::round_robin;
  producer p{*f.sys, pc};
  report_counter reports;
  for (int i = 0; i < 300; ++i)
    p.send("flushed", std::nullopt, "v" + std::to_string(i), reports.callback());
  p.flush();
  CHECK(reports.size() == 300);
  std::set<std::int32_t> partitions;
  {
    std::lock_guard<std::mutex> guard{reports.m};
    for (auto& d : reports.reports) {
      CHECK(d.ok());
      partitions.insert(d.partition);
    }
  }
  CHECK(partitions.size() == 3);  // round robin used them all
  // A timed flush with nothing outstanding returns true at once.
  CHECK(p.flush(10ms));
}

TEST_CASE("a record for an unknown topic is reported as an error naming the topic", "[producer]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "known", 1, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("known", 1); }));
  producer p{*f.sys, config_for(f)};
  auto bad = p.send("no-such-topic", std::nullopt, "x");
  auto good = p.send("known", std::nullopt, "y");
  auto d = bad.get();
  CHECK_FALSE(d.ok());
  CHECK(d.error.find("no-such-topic") != std::string::npos);
  auto g = good.get();
  INFO(g.error);
  CHECK(g.ok());
  CHECK(g.offset >= 0);
}

TEST_CASE("send blocks while the buffer is full and fails after buffer_timeout", "[producer]") {
  caf::actor_system_config cfg;
  configure_system(cfg, job_config{});
  caf::actor_system sys{cfg};
  // A node that never answers metadata: records wait for it and hold the buffer.
  auto mute = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](const metadata_request&) -> caf::result<metadata_reply> {
      return self->make_response_promise<metadata_reply>();  // never delivered
    }};
  });
  producer_config pc;
  pc.bootstrap = {mute};
  pc.buffer_bytes = 4096;
  pc.buffer_timeout = 200ms;
  pc.request_timeout = 100ms;
  producer p{sys, pc};
  std::vector<std::future<delivery>> futures;
  auto start = std::chrono::steady_clock::now();
  std::future<delivery> refused;
  for (int i = 0; i < 1000; ++i) {
    auto fut = p.send("t", std::nullopt, std::string(100, 'x'));
    if (fut.wait_for(0s) == std::future_status::ready) {
      refused = std::move(fut);
      break;
    }
    futures.push_back(std::move(fut));
  }
  REQUIRE(refused.valid());
  auto d = refused.get();
  CHECK(d.error.find("buffer full") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);
  // 4096 bytes hold about 30 records of 100 bytes, not more.
  CHECK(futures.size() < 40);
  // A record that can never fit is refused at once.
  auto huge = p.send("t", std::nullopt, std::string(10000, 'x'));
  REQUIRE(huge.wait_for(0s) == std::future_status::ready);
  CHECK(huge.get().error.find("exceeds buffer_bytes") != std::string::npos);
  p.close(0ms);
  for (auto& fut : futures)
    CHECK(fut.get().error == "producer closed");
  caf::anon_send_exit(mute, caf::exit_reason::user_shutdown);
}

TEST_CASE("a leader node killed while producing 20k records with acks=all loses and duplicates nothing "
          "acknowledged", "[producer]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "orders", 3, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("orders", 3); }));
  auto pc = config_for(f);
  pc.buffer_bytes = 32 * 1024;  // keeps the sender close to the acknowledgements
  pc.batch_bytes = 4 * 1024;
  producer p{*f.sys, pc};
  REQUIRE(p.producer_id() >= 0);
  constexpr int total = 20000;
  std::vector<delivery> reports(total);
  std::atomic<int> reported{0};
  std::thread sender{[&] {
    for (int i = 0; i < total; ++i) {
      auto key = "k" + std::to_string(i % 101);
      p.send("orders", key, std::to_string(i), [&, i](const delivery& d) {
        reports[static_cast<std::size_t>(i)] = d;
        ++reported;
      });
    }
    p.flush();
  }};
  REQUIRE(eventually([&] { return reported.load() >= 5000; }, 60s));
  auto md = f.metadata(1, {"orders"});
  REQUIRE(md);
  auto victim = md->topics.at(0).partitions.at(0).leader;
  REQUIRE(victim != 0);
  auto at_kill = reported.load();
  f.cluster->kill(victim);
  sender.join();
  REQUIRE(reported.load() == total);
  CHECK(at_kill < total);  // the kill really happened mid-stream
  int failed = 0;
  std::map<std::int32_t, std::vector<int>> acked;  // send indexes per partition, in send order
  for (int i = 0; i < total; ++i) {
    auto& d = reports[static_cast<std::size_t>(i)];
    if (!d.ok()) {
      ++failed;
      continue;
    }
    acked[d.partition].push_back(i);
  }
  INFO("failed deliveries: " << failed);
  CHECK(failed == 0);
  std::int64_t survivor = victim == 1 ? 2 : 1;
  for (auto& [partition, indexes] : acked) {
    std::vector<std::string> got;
    REQUIRE(eventually([&] {
      got = f.read_all(survivor, "orders", partition);
      return got.size() >= indexes.size();
    }, 30s));
    // Exactly once and in per-partition send order.
    std::vector<int> read;
    for (auto& v : got)
      read.push_back(std::stoi(v));
    std::set<int> distinct(read.begin(), read.end());
    CHECK(distinct.size() == read.size());
    CHECK(std::is_sorted(read.begin(), read.end()));
    CHECK(read == indexes);
    // Offsets in the reports match where the records are.
    auto by_offset = read_offsets(f, survivor, "orders", partition);
    for (auto i : indexes) {
      auto& d = reports[static_cast<std::size_t>(i)];
      auto it = by_offset.find(d.offset);
      REQUIRE(it != by_offset.end());
      CHECK(it->second == std::to_string(i));
    }
  }
}
