// Kafka transactions through rivulet's Kafka listener, with librdkafka
// 2.0.2's transactional producer against three `rivulet node` processes
// (RF=3): committed transactions become visible to read_committed
// consumers, aborted ones never do (while read_uncommitted consumers see
// both, so the aborted records really were written), offsets sent with a
// transaction count only when it commits, and a second producer instance
// with the same transactional.id fences the first.

#include "tests/io/rivulet_kafka_cluster.hpp"

#include "runtime/partitioner.hpp"

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace rivulet::io::kafka::test;

namespace {

/// REQUIREs that a transactional call succeeded, naming it and the error.
void ok(rd_kafka_error_t* e, const char* what) {
  std::string text = e ? rd_kafka_error_string(e) : "";
  bool fatal = e && rd_kafka_error_is_fatal(e);
  if (e)
    rd_kafka_error_destroy(e);
  INFO(what << ": " << text << (fatal ? " (fatal)" : ""));
  REQUIRE(text.empty());
}

rd_kafka_t* txn_producer(const std::string& bootstrap, const char* id) {
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set_conf(conf, "transactional.id", id);
  set_conf(conf, "linger.ms", "5");
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, conf);
  ok(rd_kafka_init_transactions(rk, 30000), "init_transactions");
  return rk;
}

void send(rd_kafka_t* rk, const char* topic, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    std::string key = std::to_string(i % 7);
    std::string value = prefix + std::to_string(i);
    for (;;) {
      auto e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY(key.data(), key.size()),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        break;
      REQUIRE(e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
      rd_kafka_poll(rk, 10);
    }
  }
}

/// Every value of the three partitions of `topic` from the beginning up to
/// their ends (for read_committed: the last stable offsets), by assignment;
/// bounded by 30 s.
std::vector<std::string> read_topic(const std::string& bootstrap, const char* topic, const char* isolation) {
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set_conf(conf, "group.id", "rivulet-txn-readback");
  set_conf(conf, "enable.auto.commit", "false");
  set_conf(conf, "enable.partition.eof", "true");
  set_conf(conf, "isolation.level", isolation);
  rd_kafka_t* rk = new_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(3);
  for (int p = 0; p < 3; ++p)
    rd_kafka_topic_partition_list_add(parts, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  REQUIRE(rd_kafka_assign(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<std::string> values;
  std::vector<std::string> errors;
  std::set<int> at_end;
  const auto deadline = clock_type::now() + std::chrono::seconds(30);
  while (at_end.size() < 3 && clock_type::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m)
      continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
      at_end.insert(m->partition);
    else if (m->err)
      errors.push_back(rd_kafka_message_errstr(m));
    else
      values.emplace_back(static_cast<const char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
  }
  CHECK(errors.empty());
  CHECK(at_end.size() == 3);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return values;
}

std::map<std::string, int> counts_by_prefix(const std::vector<std::string>& values) {
  std::map<std::string, int> out;
  for (const auto& v : values)
    ++out[v.substr(0, v.find('-'))];
  return out;
}

bool unique(const std::vector<std::string>& values) {
  return std::set<std::string>(values.begin(), values.end()).size() == values.size();
}

/// The offset group `group` committed for partition p of `topic` (-1001: none).
std::int64_t committed(const std::string& bootstrap, const char* group, const char* topic, int p) {
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set_conf(conf, "group.id", group);
  rd_kafka_t* rk = new_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic, p);
  auto e = rd_kafka_committed(rk, parts, 15000);
  INFO(rd_kafka_err2str(e));
  CHECK(e == RD_KAFKA_RESP_ERR_NO_ERROR);
  auto offset = parts->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_destroy(rk);
  return offset;
}

} // namespace

TEST_CASE("a read_committed consumer sees the committed transactions and none of the aborted one",
          "[io][kafka][rdkafka-rivulet][txn]") {
  const char* topic = "txn";
  kafka_cluster c{"txn"};
  INFO("node logs in " << c.dir);
  c.create_topic(topic);
  const std::string bootstrap = c.nodes.kafka_bootstrap();
  rd_kafka_t* rk = txn_producer(bootstrap, "rivulet-test-txn");

  ok(rd_kafka_begin_transaction(rk), "begin 1");
  send(rk, topic, "c1-", 300);
  ok(rd_kafka_commit_transaction(rk, 30000), "commit 1");
  ok(rd_kafka_begin_transaction(rk), "begin 2");
  send(rk, topic, "ab-", 200);
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR); // the aborted records are stored
  ok(rd_kafka_abort_transaction(rk, 30000), "abort 2");
  ok(rd_kafka_begin_transaction(rk), "begin 3");
  send(rk, topic, "c2-", 100);
  ok(rd_kafka_commit_transaction(rk, 30000), "commit 3");
  rd_kafka_destroy(rk);

  auto committed_view = read_topic(bootstrap, topic, "read_committed");
  auto counts = counts_by_prefix(committed_view);
  CHECK(committed_view.size() == 400);
  CHECK(counts["c1"] == 300);
  CHECK(counts["c2"] == 100);
  CHECK(counts["ab"] == 0);
  CHECK(unique(committed_view));

  auto everything = read_topic(bootstrap, topic, "read_uncommitted");
  auto all_counts = counts_by_prefix(everything);
  CHECK(everything.size() == 600);
  CHECK(all_counts["ab"] == 200);
}

TEST_CASE("offsets sent with a transaction are committed only when it commits; a second instance fences the first",
          "[io][kafka][rdkafka-rivulet][txn]") {
  const char* topic = "txo";
  kafka_cluster c{"txo"};
  INFO("node logs in " << c.dir);
  c.create_topic(topic);
  const std::string bootstrap = c.nodes.kafka_bootstrap();
  rd_kafka_t* rk = txn_producer(bootstrap, "rivulet-test-offsets");
  rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata_new("eos");
  auto offsets_at = [&](std::int64_t offset) {
    rd_kafka_topic_partition_list_t* o = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(o, topic, 1)->offset = offset;
    ok(rd_kafka_send_offsets_to_transaction(rk, o, cgmd, 30000), "send_offsets_to_transaction");
    rd_kafka_topic_partition_list_destroy(o);
  };

  ok(rd_kafka_begin_transaction(rk), "begin 1");
  send(rk, topic, "ab-", 10);
  offsets_at(42);
  ok(rd_kafka_abort_transaction(rk, 30000), "abort 1");
  CHECK(committed(bootstrap, "eos", topic, 1) == RD_KAFKA_OFFSET_INVALID);

  ok(rd_kafka_begin_transaction(rk), "begin 2");
  send(rk, topic, "c1-", 10);
  offsets_at(77);
  ok(rd_kafka_commit_transaction(rk, 30000), "commit 2");
  CHECK(committed(bootstrap, "eos", topic, 1) == 77);

  // Fencing: an ongoing transaction of the first instance is aborted when a
  // second instance with the same transactional.id initializes.
  ok(rd_kafka_begin_transaction(rk), "begin 3");
  send(rk, topic, "zz-", 20);
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_t* second = txn_producer(bootstrap, "rivulet-test-offsets");
  rd_kafka_error_t* late = rd_kafka_commit_transaction(rk, 30000);
  REQUIRE(late != nullptr);
  INFO("the fenced instance's commit: " << rd_kafka_error_string(late));
  CHECK((rd_kafka_error_is_fatal(late) || rd_kafka_error_txn_requires_abort(late)));
  rd_kafka_error_destroy(late);
  rd_kafka_destroy(rk);

  ok(rd_kafka_begin_transaction(second), "begin (second instance)");
  send(second, topic, "c2-", 5);
  ok(rd_kafka_commit_transaction(second, 30000), "commit (second instance)");
  rd_kafka_destroy(second);
  rd_kafka_consumer_group_metadata_destroy(cgmd);

  auto counts = counts_by_prefix(read_topic(bootstrap, topic, "read_committed"));
  CHECK(counts["c1"] == 10);
  CHECK(counts["c2"] == 5);
  CHECK(counts["ab"] == 0);
  CHECK(counts["zz"] == 0);
}

namespace {

/// Leader of partition p of `topic` per librdkafka's metadata (-1: none).
int leader_of(rd_kafka_t* rk, const char* topic, int p) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic, nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int leader = -1;
  if (rd_kafka_metadata(rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1)
      for (int i = 0; i < md->topics[0].partition_cnt; ++i)
        if (md->topics[0].partitions[i].id == p)
          leader = md->topics[0].partitions[i].leader;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  return leader;
}

/// Partition count of `topic` (0: unknown).
int partition_count(rd_kafka_t* rk, const char* topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic, nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = 0;
  if (rd_kafka_metadata(rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
      n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  return n;
}

} // namespace

TEST_CASE("a transaction survives the loss of its coordinator's node: the new coordinator commits it",
          "[io][kafka][rdkafka-rivulet][txn]") {
  const char* topic = "txk";
  const char* id = "rivulet-test-failover";
  kafka_cluster c{"txk"};
  INFO("node logs in " << c.dir);
  c.create_topic(topic);
  const std::string bootstrap = c.nodes.kafka_bootstrap();
  rd_kafka_t* rk = txn_producer(bootstrap, id);
  ok(rd_kafka_begin_transaction(rk), "begin");
  send(rk, topic, "c1-", 150);
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);

  // The coordinator is on the node leading the id's partition of
  // __consumer_offsets (created by the producer's FindCoordinator).
  int n = partition_count(rk, "__consumer_offsets");
  REQUIRE(n > 0);
  int coordinator = leader_of(rk, "__consumer_offsets", rivulet::partition_for_key(id, n));
  REQUIRE(coordinator > 0);
  c.nodes.kill(coordinator);
  // The state (Ongoing, with its partitions) was replicated before the
  // producer was answered, so the next coordinator knows the transaction.
  ok(rd_kafka_commit_transaction(rk, 60000), "commit after the coordinator's node died");
  rd_kafka_destroy(rk);

  auto counts = counts_by_prefix(read_topic(bootstrap, topic, "read_committed"));
  CHECK(counts["c1"] == 150);
  c.nodes.start(coordinator);
}

TEST_CASE("a transaction left open past its timeout is aborted and its producer fenced",
          "[io][kafka][rdkafka-rivulet][txn]") {
  const char* topic = "txt";
  kafka_cluster c{"txt"};
  INFO("node logs in " << c.dir);
  c.create_topic(topic);
  const std::string bootstrap = c.nodes.kafka_bootstrap();
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set_conf(conf, "transactional.id", "rivulet-test-timeout");
  set_conf(conf, "transaction.timeout.ms", "1500");
  set_conf(conf, "linger.ms", "5");
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, conf);
  ok(rd_kafka_init_transactions(rk, 30000), "init_transactions");
  ok(rd_kafka_begin_transaction(rk), "begin");
  send(rk, topic, "ab-", 50);
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);

  // The open transaction holds the last stable offset of its partitions
  // back; once the coordinator aborted it, read_committed reaches the end.
  rd_kafka_conf_t* cconf = base_conf(bootstrap);
  set_conf(cconf, "isolation.level", "read_committed");
  rd_kafka_t* probe = new_client(RD_KAFKA_CONSUMER, cconf);
  auto all_stable = [&] {
    for (int p = 0; p < 3; ++p) {
      std::int64_t lo = 0, stable = 0, hi = 0;
      rd_kafka_query_watermark_offsets(probe, topic, p, &lo, &stable, 5000);
      // read_committed ListOffsets answers the LSO; compare with the HW.
      rd_kafka_conf_t* uconf = base_conf(bootstrap);
      set_conf(uconf, "isolation.level", "read_uncommitted");
      rd_kafka_t* u = new_client(RD_KAFKA_CONSUMER, uconf);
      rd_kafka_query_watermark_offsets(u, topic, p, &lo, &hi, 5000);
      rd_kafka_destroy(u);
      if (stable < hi)
        return false;
    }
    return true;
  };
  CHECK_FALSE(all_stable()); // still open right after the flush
  const auto deadline = clock_type::now() + std::chrono::seconds(20);
  bool stable = false;
  while (!stable && clock_type::now() < deadline) {
    stable = all_stable();
    if (!stable)
      rd_kafka_poll(probe, 100);
  }
  CHECK(stable);
  rd_kafka_destroy(probe);

  rd_kafka_error_t* late = rd_kafka_commit_transaction(rk, 30000);
  REQUIRE(late != nullptr);
  INFO("commit after the timeout: " << rd_kafka_error_string(late));
  CHECK((rd_kafka_error_is_fatal(late) || rd_kafka_error_txn_requires_abort(late)));
  rd_kafka_error_destroy(late);
  rd_kafka_destroy(rk);
  auto counts = counts_by_prefix(read_topic(bootstrap, topic, "read_committed"));
  CHECK(counts["ab"] == 0);
}
