// env.from_kafka() and stream.to_kafka() (io/kafka_connect, librdkafka) in
// jobs run by env.execute(), against librdkafka's in-process mock cluster
// (3 brokers, with injected faults) and against rivulet's own Kafka listener
// on 3 `rivulet node` processes (RF=3). Each job reads N records of topic A
// (bounded) and writes a transformation of each to topic B; B read back
// holds every record exactly once, in per-partition order.

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actors/environment.hpp"
#include "apps/local_cluster.hpp"
#include "tests/io/rivulet_kafka_cluster.hpp"
#include "io/kafka_connect/librdkafka_connector.hpp"

using namespace rivulet;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int partitions = 3;
constexpr std::int16_t api_produce = 0;
constexpr std::int16_t api_fetch = 1;

void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

rd_kafka_t* new_client(rd_kafka_type_t type, const std::string& bootstrap,
                       const std::vector<std::pair<std::string, std::string>>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &quiet_log);
  char err[512] = "";
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
  for (auto& [k, v] : settings) {
    INFO(k << "=" << v << ": " << err);
    REQUIRE(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  INFO(err);
  REQUIRE(rk != nullptr);
  return rk;
}

/// A 3-broker mock cluster owned by a throwaway handle. Partition p of
/// every topic is led by broker p + 1.
struct mock_kafka {
  mock_kafka() {
    handle = new_client(RD_KAFKA_PRODUCER, "", {});
    mc = rd_kafka_mock_cluster_new(handle, 3);
    REQUIRE(mc != nullptr);
    bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
  }
  ~mock_kafka() {
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(handle);
  }
  void create_topic(const char* name) {
    REQUIRE(rd_kafka_mock_topic_create(mc, name, partitions, 3) == RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int p = 0; p < partitions; ++p)
      REQUIRE(rd_kafka_mock_partition_set_leader(mc, name, p, p + 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  rd_kafka_t* handle = nullptr;
  rd_kafka_mock_cluster_t* mc = nullptr;
  std::string bootstrap;
};

/// Produces n records to `topic` (idempotent, acks=all): record i goes to
/// partition i % 3 with key "k<i>" and value "p<partition>-<i / 3>".
void produce_input(const std::string& bootstrap, const std::string& topic, int n) {
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, bootstrap, {{"enable.idempotence", "true"}, {"linger.ms", "5"}});
  for (int i = 0; i < n; ++i) {
    auto key = "k" + std::to_string(i);
    auto value = "p" + std::to_string(i % partitions) + "-" + std::to_string(i / partitions);
    auto res = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(i % partitions),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_END);
    REQUIRE(res == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  REQUIRE(rd_kafka_flush(rk, 20000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
}

/// Every value of `topic` per partition in offset order: reads until each
/// partition reports EOF at or past the high watermark queried first.
std::map<int, std::vector<std::string>> read_back(const std::string& bootstrap, const std::string& topic) {
  rd_kafka_t* rk = new_client(RD_KAFKA_CONSUMER, bootstrap,
                              {{"group.id", "read-back"}, {"enable.auto.commit", "false"},
                               {"enable.partition.eof", "true"}});
  rd_kafka_poll_set_consumer(rk);
  std::map<int, std::int64_t> high;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    std::int64_t lo = 0, hi = 0;
    REQUIRE(rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    high[p] = hi;
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  REQUIRE(rd_kafka_assign(rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  std::map<int, std::vector<std::string>> out;
  std::map<int, bool> at_end;
  std::map<int, std::int64_t> last;
  auto deadline = clock_type::now() + 20s;
  while (at_end.size() < static_cast<std::size_t>(partitions) && clock_type::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m)
      continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (m->offset >= high[m->partition])
        at_end[m->partition] = true;
    } else if (!m->err) {
      out[m->partition].emplace_back(static_cast<const char*>(m->payload), m->len);
      last[m->partition] = m->offset;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  for (int p = 0; p < partitions; ++p)
    INFO("partition " << p << ": high watermark " << high[p] << ", last offset read " << last[p]
         << (at_end.count(p) ? ", at end" : ", not at end"));
  for (int p = 0; p < partitions; ++p)
    UNSCOPED_INFO("partition " << p << ": high watermark " << high[p] << ", last offset read " << last[p]
                  << (at_end.count(p) ? ", at end" : ", not at end"));
  REQUIRE(at_end.size() == static_cast<std::size_t>(partitions));
  return out;
}

/// B holds "out-p<a>-<seq>" for each of the n input records exactly once,
/// and within each B partition the records of one A partition keep their
/// order.
void check_exactly_once_in_order(const std::map<int, std::vector<std::string>>& b, int n) {
  std::map<std::string, int> seen;
  std::size_t total = 0;
  for (auto& [bp, values] : b) {
    std::map<int, int> last_seq;  // A partition -> last sequence number
    for (auto& v : values) {
      ++total;
      ++seen[v];
      REQUIRE(v.rfind("out-p", 0) == 0);
      int a = std::stoi(v.substr(5, v.find('-', 5) - 5));
      int seq = std::stoi(v.substr(v.find('-', 5) + 1));
      auto it = last_seq.find(a);
      INFO("B partition " << bp << ": " << v << " after sequence " << (it == last_seq.end() ? -1 : it->second));
      CHECK((it == last_seq.end() || seq > it->second));
      last_seq[a] = seq;
    }
  }
  CHECK(total == static_cast<std::size_t>(n));
  CHECK(seen.size() == static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto v = "out-p" + std::to_string(i % partitions) + "-" + std::to_string(i / partitions);
    INFO(v);
    CHECK(seen[v] == 1);
  }
}

using keyed = std::pair<std::string, std::string>;

/// Runs "read A (bounded), prefix each value with out-, write to B" with
/// parallelism 3; `on_read` sees each message as the source reads it.
job_result run_copy_job(const std::string& bootstrap, kafka_properties sink_extra = {},
                        std::function<void(const kafka_message&)> on_read = {}) {
  job_config jc;
  jc.threads = 2;
  jc.mode = runtime_mode::batch;
  jc.parallelism = 3;
  environment env{jc};
  env.set_kafka_connector(io::kafka_connect::make_librdkafka_connector());
  // A client backs off up to 10 s before reconnecting to a broker that was
  // down; keep that short so that tests end soon after the broker is back.
  kafka_properties props{{"bootstrap.servers", bootstrap}, {"reconnect.backoff.max.ms", "100"}};
  auto sink_props = props;
  for (auto& [k, v] : sink_extra)
    sink_props[k] = v;
  kafka_read_options ro;
  ro.bounded = true;
  env.from_kafka<keyed>(props, {"A"},
                        [on_read](const kafka_message& m) {
                          if (on_read)
                            on_read(m);
                          return keyed{m.key.value_or(""), m.value.value_or("")};
                        },
                        ro)
    .map([](const keyed& r) { return keyed{r.first, "out-" + r.second}; })
    .to_kafka(sink_props, "B", [](const keyed& r) { return r.second; }, [](const keyed& r) { return r.first; });
  return env.execute("copy A to B");
}

/// Lets the source stop at a record until another thread did something.
struct gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool reached = false;
  bool opened = false;
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock{mtx};
    reached = true;
    cv.notify_all();
    cv.wait_for(lock, 20s, [&] { return opened; });
  }
  bool wait_arrival() {
    std::unique_lock<std::mutex> lock{mtx};
    return cv.wait_for(lock, 20s, [&] { return reached; });
  }
  void open() {
    std::lock_guard<std::mutex> guard{mtx};
    opened = true;
    cv.notify_all();
  }
};

constexpr int n_records = 3000;

/// Three `rivulet node` processes with Kafka listeners in a fresh directory
/// (tests/io/rivulet_kafka_cluster.hpp), removed afterwards unless
/// RIVULET_KEEP_TEST_DIR is set.
struct rivulet_kafka : rivulet::io::kafka::test::kafka_cluster {
  rivulet_kafka() : kafka_cluster("kafka-connector") {}

  /// Node id leading `partition` of `topic` per Kafka metadata (bounded wait).
  int leader_of(const std::string& topic, int partition) {
    rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, nodes.kafka_bootstrap(), {});
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    int leader = -1;
    auto deadline = clock_type::now() + 20s;
    while (leader < 0 && clock_type::now() < deadline) {
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk, 0, t, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1)
          for (int i = 0; i < md->topics[0].partition_cnt; ++i)
            if (md->topics[0].partitions[i].id == partition && md->topics[0].partitions[i].err == 0)
              leader = md->topics[0].partitions[i].leader;
        rd_kafka_metadata_destroy(md);
      }
    }
    rd_kafka_topic_destroy(t);
    rd_kafka_destroy(rk);
    return leader;
  }

};

} // namespace

TEST_CASE("a bounded from_kafka job copies every record of A to B exactly once and in partition order "
          "(mock cluster)", "[kafka-connector]") {
  mock_kafka k;
  k.create_topic("A");
  k.create_topic("B");
  produce_input(k.bootstrap, "A", n_records);
  auto result = run_copy_job(k.bootstrap);
  INFO(result.error);
  REQUIRE(result.ok());
  check_exactly_once_in_order(read_back(k.bootstrap, "B"), n_records);
}

TEST_CASE("the Kafka connectors ride out retriable Produce and Fetch errors with every record exactly once "
          "(mock cluster)", "[kafka-connector]") {
  mock_kafka k;
  k.create_topic("A");
  k.create_topic("B");
  produce_input(k.bootstrap, "A", n_records);
  rd_kafka_mock_push_request_errors(k.mc, api_fetch, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
                                    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  rd_kafka_mock_push_request_errors(k.mc, api_produce, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  auto result = run_copy_job(k.bootstrap);
  INFO(result.error);
  REQUIRE(result.ok());
  check_exactly_once_in_order(read_back(k.bootstrap, "B"), n_records);
}

TEST_CASE("the Kafka connectors wait out a broker that is down and comes back, every record exactly once "
          "(mock cluster)", "[kafka-connector]") {
  mock_kafka k;
  k.create_topic("A");
  k.create_topic("B");
  produce_input(k.bootstrap, "A", n_records);
  // Broker 1 leads partition 0 of A and of B. It goes down when the
  // source has read the first record of A-0 (so the sinks' records for B-0
  // queue up and the A-0 consumer loses its fetch connection) and comes back
  // once the records of were all read.
  gate first_of_0;
  std::atomic<bool> went_down{false};
  std::atomic<int> from_other_partitions{0};
  std::promise<void> others_read;
  std::atomic<int> seen_in_0{0};
  std::thread restarter{[&] {
    if (first_of_0.wait_arrival())
      went_down = rd_kafka_mock_broker_set_down(k.mc, 1) == RD_KAFKA_RESP_ERR_NO_ERROR;
    first_of_0.open();
    others_read.get_future().wait_for(20s);
    rd_kafka_mock_broker_set_up(k.mc, 1);
  }};
  auto result = run_copy_job(k.bootstrap, {}, [&](const kafka_message& m) {
    if (m.partition == 0 && ++seen_in_0 == 1)
      first_of_0.arrive_and_wait();
    if (m.partition != 0 && ++from_other_partitions == n_records * 2 / partitions)
      others_read.set_value();
  });
  restarter.join();
  INFO(result.error);
  REQUIRE(result.ok());
  CHECK(went_down);
  CHECK(from_other_partitions == n_records * 2 / partitions);
  check_exactly_once_in_order(read_back(k.bootstrap, "B"), n_records);
}

TEST_CASE("the Kafka connectors follow partition leaders that move mid-job, every record exactly once "
          "(mock cluster)", "[kafka-connector]") {
  mock_kafka k;
  k.create_topic("A");
  k.create_topic("B");
  produce_input(k.bootstrap, "A", n_records);
  gate at_100;
  std::atomic<int> seen_in_0{0};
  std::thread mover{[&] {
    if (at_100.wait_arrival())
      for (int p = 0; p < partitions; ++p) {
        rd_kafka_mock_partition_set_leader(k.mc, "A", p, (p + 1) % 3 + 1);
        rd_kafka_mock_partition_set_leader(k.mc, "B", p, (p + 2) % 3 + 1);
      }
    at_100.open();
  }};
  auto result = run_copy_job(k.bootstrap, {}, [&](const kafka_message& m) {
    if (m.partition == 0 && ++seen_in_0 == 100)
      at_100.arrive_and_wait();
  });
  mover.join();
  INFO(result.error);
  REQUIRE(result.ok());
  CHECK(at_100.reached);
  check_exactly_once_in_order(read_back(k.bootstrap, "B"), n_records);
}

TEST_CASE("the Kafka connectors copy every record exactly once with 30 ms added to every broker's round trip "
          "(mock cluster)", "[kafka-connector]") {
  mock_kafka k;
  k.create_topic("A");
  k.create_topic("B");
  produce_input(k.bootstrap, "A", n_records);
  for (int b = 1; b <= 3; ++b)
    REQUIRE(rd_kafka_mock_broker_set_rtt(k.mc, b, 30) == RD_KAFKA_RESP_ERR_NO_ERROR);
  auto result = run_copy_job(k.bootstrap);
  INFO(result.error);
  REQUIRE(result.ok());
  check_exactly_once_in_order(read_back(k.bootstrap, "B"), n_records);
}

TEST_CASE("a sink whose topic refuses writes fails the job with an error naming the topic, partition and "
          "librdkafka's error (mock cluster)", "[kafka-connector]") {
  mock_kafka k;
  k.create_topic("A");
  k.create_topic("B");
  produce_input(k.bootstrap, "A", 300);
  // Every Produce request is refused as unauthorized, which no retry cures.
  for (int i = 0; i < 20; ++i)
    rd_kafka_mock_push_request_errors(k.mc, api_produce, 1, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  auto result = run_copy_job(k.bootstrap);
  INFO(result.error);
  REQUIRE(!result.ok());
  CHECK(result.error.find("topic 'B' partition ") != std::string::npos);
  CHECK(result.error.find("TOPIC_AUTHORIZATION_FAILED") != std::string::npos);
  CHECK(result.attempts == 1);
}

TEST_CASE("a record larger than message.max.bytes fails the job with an error naming the topic "
          "(mock cluster)", "[kafka-connector]") {
  mock_kafka k;
  k.create_topic("B");
  job_config jc;
  jc.mode = runtime_mode::batch;
  environment env{jc};
  env.set_kafka_connector(io::kafka_connect::make_librdkafka_connector());
  env.from_collection(std::vector<std::string>{"small", std::string(5000, 'x'), "small"})
    .to_kafka({{"bootstrap.servers", k.bootstrap}, {"message.max.bytes", "1000"}}, "B",
              [](const std::string& s) { return s; }, [](const std::string&) { return std::string("k"); });
  auto failed = env.execute("too large");
  INFO(failed.error);
  REQUIRE(!failed.ok());
  CHECK(failed.error.find("topic 'B'") != std::string::npos);
  CHECK(failed.error.find("too large") != std::string::npos);
}

TEST_CASE("a property librdkafka does not know is rejected when the job is built, naming the property",
          "[kafka-connector]") {
  environment env;
  env.set_kafka_connector(io::kafka_connect::make_librdkafka_connector());
  auto read = [](const kafka_message& m) { return m.value.value_or(""); };
  try {
    env.from_kafka<std::string>({{"bootstrap.servers", "127.0.0.1:1"}, {"no.such.property", "1"}}, {"A"}, read);
    FAIL("from_kafka accepted an unknown property");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("no.such.property") != std::string::npos);
  }
  auto s = env.from_collection(std::vector<std::string>{"x"});
  try {
    s.to_kafka({{"acks", "most"}}, "B", [](const std::string& v) { return v; },
               [](const std::string& v) { return v; });
    FAIL("to_kafka accepted a bad value");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("'acks'") != std::string::npos);
  }
}

TEST_CASE("a bounded from_kafka job copies every record of A to B exactly once and in partition order "
          "through rivulet's Kafka listener (3 nodes, RF=3), and a missing topic fails the job naming it",
          "[kafka-connector]") {
  rivulet_kafka c;
  INFO("node logs in " << c.dir);
  c.create_topic("A");
  c.create_topic("B");
  auto bootstrap = c.nodes.kafka_bootstrap();
  produce_input(bootstrap, "A", n_records);
  auto result = run_copy_job(bootstrap);
  INFO(result.error);
  REQUIRE(result.ok());
  check_exactly_once_in_order(read_back(bootstrap, "B"), n_records);

  job_config jc;
  jc.mode = runtime_mode::batch;
  environment env{jc};
  env.set_kafka_connector(io::kafka_connect::make_librdkafka_connector());
  kafka_read_options ro;
  ro.bounded = true;
  ro.open_timeout = 3s;
  env.from_kafka<std::string>({{"bootstrap.servers", bootstrap}}, {"missing"},
                              [](const kafka_message& m) { return m.value.value_or(""); }, ro)
    .collect();
  auto missing = env.execute("missing topic");
  INFO(missing.error);
  REQUIRE(!missing.ok());
  CHECK(missing.error.find("'missing'") != std::string::npos);
}

// This test found two bugs. (1) CAF's connection handles are socket
// descriptors, which the OS reuses: a long-poll Fetch answered after its
// connection closed wrote into the new connection that got the same
// descriptor (a node died with "double free"); connections now carry a
// unique id (actors/kafka_listener.cpp). (2) About one run in five hung: the
// restarted source sat in librdkafka 2.0.2's rd_kafka_query_watermark_offsets,
// which retried the killed leader past its timeout for as long as that
// broker's reconnect attempts changed its state. The reader now uses
// rd_kafka_offsets_for_times, which keeps to its timeout, and re-reads
// metadata between attempts: 67 of 67 runs passed before the test joined
// make test.
TEST_CASE("a from_kafka/to_kafka job through rivulet's Kafka listener copies every record exactly once when "
          "the node leading A-0 is killed mid-job", "[kafka-connector][kafka-connector-kill]") {
  rivulet_kafka c;
  INFO("node logs in " << c.dir);
  c.create_topic("A");
  c.create_topic("B");
  auto bootstrap = c.nodes.kafka_bootstrap();
  produce_input(bootstrap, "A", n_records);
  int victim = c.leader_of("A", 0);
  REQUIRE(victim > 0);
  gate at_100;
  std::atomic<int> seen_in_0{0};
  std::thread killer{[&] {
    if (at_100.wait_arrival())
      c.nodes.kill(victim);
    at_100.open();
  }};
  auto result = run_copy_job(bootstrap, {{"message.timeout.ms", "30000"}}, [&](const kafka_message& m) {
    if (m.partition == 0 && ++seen_in_0 == 100)
      at_100.arrive_and_wait();
  });
  killer.join();
  INFO(result.error);
  REQUIRE(result.ok());
  CHECK(at_100.reached);
  CHECK(!c.nodes.running(victim));
  check_exactly_once_in_order(read_back(bootstrap, "B"), n_records);
}
