// env.from_topic() against a 3-node embedded cluster, with jobs on their own
// actor system (env.execute), as rivulet demo runs them: a bounded read
// survives the death of a partition leader and reads every record once.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/environment.hpp"
#include "actors/producer.hpp"
#include "actors/topic_client.hpp"
#include "tests/support/cluster_fixture.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace rivulet::testing;
using namespace std::chrono_literals;

namespace {

/// Produces `rounds` x `per_round` keyed lines with acks=all, in small
/// batches (so that a partition takes many fetches to read); returns the
/// values and counts those that went to partition 0.
std::vector<std::string> produce_lines(cluster_fixture& f, const std::string& topic, int rounds, int per_round,
                                       int& in_partition_0) {
  producer_config pc;
  pc.bootstrap = f.cluster->running();
  pc.request_timeout = 2s;
  pc.retry_backoff = 20ms;
  pc.batch_bytes = 512;
  producer p{*f.sys, pc};
  std::vector<std::string> out;
  in_partition_0 = 0;
  for (int r = 0; r < rounds; ++r) {
    std::vector<std::future<delivery>> futures;
    for (int i = 0; i < per_round; ++i) {
      auto n = std::to_string(r * per_round + i);
      futures.push_back(p.send(topic, "key-" + n, "line-" + n));
      out.push_back("line-" + n);
    }
    for (auto& fut : futures) {
      auto d = fut.get();
      INFO(d.error);
      REQUIRE(d.ok());
      in_partition_0 += d.partition == 0 ? 1 : 0;
    }
  }
  return out;
}

std::int64_t leader_of(cluster_fixture& f, const std::string& topic, std::int32_t p) {
  for (auto id : f.cluster->ids()) {
    auto md = f.metadata(id, {topic});
    if (md && md->topics.size() == 1 && md->topics[0].partitions.size() > static_cast<std::size_t>(p)) {
      auto leader = md->topics[0].partitions[static_cast<std::size_t>(p)].leader;
      if (leader != 0 && f.cluster->node(leader))
        return leader;
    }
  }
  return 0;
}

std::shared_ptr<topic_client> client_for(cluster_fixture& f) {
  topic_client_config tc;
  tc.bootstrap = f.cluster->running();
  tc.consumer.auto_offset_reset = consumer_config::offset_reset::earliest;
  tc.consumer.request_timeout = 2s;
  tc.consumer.retry_backoff = 20ms;
  tc.consumer.fetch_max_wait = 200ms;
  tc.consumer.fetch_max_bytes = 1024;  // little read-ahead: most of a partition is fetched later
  return make_topic_client(*f.sys, tc);
}

job_config batch_job() {
  job_config jc;
  jc.threads = 2;
  jc.mode = runtime_mode::batch;
  jc.parallelism = 3;
  return jc;
}

/// Lets a deserializer stop at a record until another thread has done
/// something (killed a node), both with a deadline.
struct gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool reached = false;
  bool opened = false;

  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock{mtx};
    reached = true;
    cv.notify_all();
    cv.wait_for(lock, 30s, [&] { return opened; });
  }
  bool wait_arrival() {
    std::unique_lock<std::mutex> lock{mtx};
    return cv.wait_for(lock, 30s, [&] { return reached; });
  }
  void open() {
    std::lock_guard<std::mutex> guard{mtx};
    opened = true;
    cv.notify_all();
  }
};

} // namespace

TEST_CASE("a bounded from_topic job reads every record exactly once when the node leading a partition is killed "
          "mid-read, and a bounded read opened after the failover finishes too", "[actors][topic]") {
  cluster_fixture f;
  REQUIRE(f.create(1, "lines", 3, 3).ok);
  REQUIRE(eventually([&] { return f.topic_ready("lines", 3); }));
  int in_partition_0 = 0;
  auto expected = produce_lines(f, "lines", 30, 100, in_partition_0);
  std::sort(expected.begin(), expected.end());
  REQUIRE(in_partition_0 > 100);
  auto victim = leader_of(f, "lines", 0);
  REQUIRE(victim != 0);

  // The source of partition 0 stops at its 50th record until its leader's
  // node is dead; the rest of the partition comes from the new leader.
  gate at_50;
  bool killed = false;
  std::thread killer{[&] {
    if (at_50.wait_arrival()) {
      f.cluster->kill(victim);
      killed = true;
    }
    at_50.open();
  }};
  environment env{batch_job()};
  env.set_topic_client(client_for(f));
  topic_read_options ro;
  ro.bounded = true;
  auto seen_in_0 = std::make_shared<std::atomic<int>>(0);
  auto lines = env.from_topic<std::string>(
                    "lines",
                    [&at_50, seen_in_0](const topic_message& m) {
                      if (m.partition == 0 && ++*seen_in_0 == 50)
                        at_50.arrive_and_wait();
                      return m.value.value_or("<null>");
                    },
                    ro)
                 .collect();
  auto result = env.execute("bounded read through a leader's death");
  killer.join();
  INFO(result.error);
  REQUIRE(result.ok());
  CHECK(killed);
  CHECK(result.attempts == 1);
  auto got = lines.get();
  std::sort(got.begin(), got.end());
  CHECK(got.size() == expected.size());
  CHECK(got == expected);

  // The new leader's no-op is now the last batch of partition 0, so the end
  // offsets of a new bounded read lie one past its last record.
  environment again{batch_job()};
  again.set_topic_client(client_for(f));
  auto reread = again.from_topic<std::string>(
                       "lines", [](const topic_message& m) { return m.value.value_or("<null>"); }, ro)
                  .collect();
  auto second = again.execute("bounded read after the failover");
  INFO(second.error);
  REQUIRE(second.ok());
  auto got_again = reread.get();
  std::sort(got_again.begin(), got_again.end());
  CHECK(got_again == expected);
}
