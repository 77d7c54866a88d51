// Batches written by a Kafka client, read by rivulet's native consumer, on
// three `rivulet node` processes with Kafka listeners: librdkafka's lz4 and
// zstd batches (stored as they arrive) read back exactly, the native
// producer's compression setting round-tripping the same way; and
// librdkafka's transactions, of which a read_committed native consumer sees
// only the committed ones.

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/admin.hpp"
#include "actors/consumer.hpp"
#include "actors/executor.hpp"
#include "actors/producer.hpp"
#include "actors/remote.hpp"
#include "actors/type_ids.hpp"
#include "apps/local_cluster.hpp"
#include "tests/support/temp_dir.hpp"

using namespace rivulet;
using namespace rivulet::actors;
using namespace std::chrono_literals;

namespace {

constexpr int records = 400;

bool wait_until(const std::function<bool()>& check, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check())
      return true;
    std::this_thread::sleep_for(20ms); // polling a condition, bounded by the deadline
  }
  return check();
}

void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

std::string value_of(int i) { return "value-" + std::to_string(i) + std::string(200, 'c'); }

void produce_with_librdkafka(const std::string& bootstrap, const std::string& topic, const char* codec) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &quiet_log);
  char err[512] = "";
  for (auto [k, v] : {std::pair<const char*, const char*>{"bootstrap.servers", bootstrap.c_str()},
                      {"compression.codec", codec}, {"linger.ms", "50"}, {"acks", "all"}}) {
    INFO(k << "=" << v << ": " << err);
    REQUIRE(rd_kafka_conf_set(conf, k, v, err, sizeof err) == RD_KAFKA_CONF_OK);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  for (int i = 0; i < records; ++i) {
    const std::string key = "k" + std::to_string(i), value = value_of(i);
    REQUIRE(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
}

std::vector<consumer_record> read_all(caf::actor_system& sys, const std::vector<caf::actor>& bootstrap,
                                      const std::string& topic) {
  consumer_config cc;
  cc.bootstrap = bootstrap;
  cc.auto_offset_reset = consumer_config::offset_reset::earliest;
  consumer cons(sys, cc);
  cons.assign({{topic, 0}});
  cons.seek_to_beginning();
  std::vector<consumer_record> got;
  wait_until(
    [&] {
      for (auto& r : cons.poll(200ms))
        got.push_back(std::move(r));
      return got.size() >= static_cast<std::size_t>(records);
    },
    30s);
  return got;
}

void check_exact(const std::vector<consumer_record>& got) {
  REQUIRE(got.size() == static_cast<std::size_t>(records));
  for (int i = 0; i < records; ++i) {
    INFO("record " << i);
    CHECK(got[i].offset == got[0].offset + i); // the leader's raft no-op may come first
    CHECK(got[i].key == "k" + std::to_string(i));
    CHECK(got[i].value == value_of(i));
  }
}

/// Three node processes with Kafka listeners, and an actor system connected
/// to their node actors.
struct kafka_nodes {
  static apps::local_cluster_config config(const std::filesystem::path& dir) {
    apps::local_cluster_config lc;
    lc.rivulet_binary = RIVULET_BINARY;
    lc.base_dir = dir;
    lc.tick_ms = 20;
    lc.kafka = true;
    return lc;
  }
  static caf::actor_system_config& system_config(caf::actor_system_config& cfg) {
    job_config jc;
    jc.threads = 2;
    configure_system(cfg, jc);
    configure_network(cfg);
    return cfg;
  }
  kafka_nodes() : cluster(config(dir.path())), sys(system_config(cfg)) {
    REQUIRE(wait_until(
      [&] {
        for (int id = 1; id <= 3; ++id) {
          std::string error;
          if (!nodes.count(id))
            if (auto h = connect_node(sys, "127.0.0.1", cluster.port(id), error))
              nodes[id] = h;
        }
        return nodes.size() == 3;
      },
      20s));
    for (auto& [id, h] : nodes)
      bootstrap.push_back(h);
  }
  rivulet::testing::temp_dir dir;
  apps::local_cluster cluster;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::map<int, caf::actor> nodes;
  std::vector<caf::actor> bootstrap;
};

} // namespace

TEST_CASE("the native consumer reads lz4 and zstd batches librdkafka produced to rivulet nodes",
          "[multiprocess][compression]") {
  kafka_nodes k;
  auto& cluster = k.cluster;
  auto& sys = k.sys;
  auto& nodes = k.nodes;
  auto& bootstrap = k.bootstrap;

  for (const char* codec : {"lz4", "zstd"}) {
    INFO(codec);
    const std::string topic = std::string("from-rdkafka-") + codec;
    auto created = create_topic_and_wait(sys, nodes[1], topic, 1, 3, 30s);
    INFO(created);
    REQUIRE(created.empty());
    produce_with_librdkafka(cluster.kafka_bootstrap(), topic, codec);
    check_exact(read_all(sys, bootstrap, topic));
  }

  const std::string topic = "from-native-gzip";
  REQUIRE(create_topic_and_wait(sys, nodes[1], topic, 1, 3, 30s).empty());
  {
    producer_config pc;
    pc.bootstrap = bootstrap;
    pc.compression = io::kafka::compression::gzip;
    producer prod(sys, pc);
    for (int i = 0; i < records; ++i)
      prod.send(topic, "k" + std::to_string(i), value_of(i));
    REQUIRE(prod.flush(60s));
  }
  check_exact(read_all(sys, bootstrap, topic));
}

namespace {

void txn_ok(rd_kafka_error_t* e, const char* what) {
  std::string text = e ? rd_kafka_error_string(e) : "";
  if (e)
    rd_kafka_error_destroy(e);
  INFO(what << ": " << text);
  REQUIRE(text.empty());
}

void send_values(rd_kafka_t* rk, const std::string& topic, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    const std::string value = prefix + std::to_string(i);
    REQUIRE(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
}

/// The values the native consumer reads from partition 0 of `topic` with
/// `isolation`: until `want` arrived, then one more poll that must add none.
std::vector<std::string> native_read(caf::actor_system& sys, const std::vector<caf::actor>& bootstrap,
                                     const std::string& topic, consumer_config::isolation isolation,
                                     std::size_t want) {
  consumer_config cc;
  cc.bootstrap = bootstrap;
  cc.auto_offset_reset = consumer_config::offset_reset::earliest;
  cc.isolation_level = isolation;
  consumer cons(sys, cc);
  cons.assign({{topic, 0}});
  cons.seek_to_beginning();
  std::vector<std::string> got;
  auto take = [&] {
    for (auto& r : cons.poll(200ms))
      got.push_back(r.value.value_or(""));
  };
  wait_until(
    [&] {
      take();
      return got.size() >= want;
    },
    30s);
  take();
  return got;
}

} // namespace

TEST_CASE("the native consumer reads only committed transactions (read_committed) or everything",
          "[multiprocess][txn]") {
  kafka_nodes k;
  auto& cluster = k.cluster;
  auto& sys = k.sys;
  auto& nodes = k.nodes;
  auto& bootstrap = k.bootstrap;
  const std::string topic = "txn-native";
  REQUIRE(create_topic_and_wait(sys, nodes[1], topic, 1, 3, 30s).empty());

  const std::string kafka_bootstrap = cluster.kafka_bootstrap();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &quiet_log);
  char err[512] = "";
  for (auto [k, v] : {std::pair<const char*, const char*>{"bootstrap.servers", kafka_bootstrap.c_str()},
                      {"transactional.id", "native-reader-test"}, {"linger.ms", "5"}})
    REQUIRE(rd_kafka_conf_set(conf, k, v, err, sizeof err) == RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  REQUIRE(rk != nullptr);
  txn_ok(rd_kafka_init_transactions(rk, 30000), "init");
  txn_ok(rd_kafka_begin_transaction(rk), "begin 1");
  send_values(rk, topic, "c-", 100);
  txn_ok(rd_kafka_commit_transaction(rk, 30000), "commit 1");
  txn_ok(rd_kafka_begin_transaction(rk), "begin 2");
  send_values(rk, topic, "a-", 50);
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  txn_ok(rd_kafka_abort_transaction(rk, 30000), "abort 2");
  txn_ok(rd_kafka_begin_transaction(rk), "begin 3");
  send_values(rk, topic, "d-", 20);
  txn_ok(rd_kafka_commit_transaction(rk, 30000), "commit 3");
  // An open transaction: read_committed stops before it.
  txn_ok(rd_kafka_begin_transaction(rk), "begin 4");
  send_values(rk, topic, "o-", 10);
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);

  auto committed = native_read(sys, bootstrap, topic, consumer_config::isolation::read_committed, 120);
  std::map<char, int> by_prefix;
  for (auto& v : committed)
    ++by_prefix[v[0]];
  CHECK(committed.size() == 120);
  CHECK(by_prefix['c'] == 100);
  CHECK(by_prefix['d'] == 20);
  CHECK(by_prefix['a'] == 0);
  CHECK(by_prefix['o'] == 0);
  auto everything = native_read(sys, bootstrap, topic, consumer_config::isolation::read_uncommitted, 180);
  CHECK(everything.size() == 180);
  txn_ok(rd_kafka_abort_transaction(rk, 30000), "abort 4");
  rd_kafka_destroy(rk);
}
