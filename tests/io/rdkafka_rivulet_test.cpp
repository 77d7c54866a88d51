// librdkafka 2.0.2 (C API) against three real `rivulet node` processes with
// Kafka listeners (apps/local_cluster.hpp): an idempotent acks=all producer
// survives a SIGKILL of a partition leader with every record stored exactly
// once and in order per key, and a consumer group commits and resumes.
// Set RIVULET_KEEP_TEST_DIR=1 to keep the node logs (base_dir/n<i>.log).

#include "apps/local_cluster.hpp"

#include "tests/io/rdkafka_peer.hpp"
#include "tests/io/rivulet_kafka_cluster.hpp"

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace rivulet;
using namespace rivulet::io::kafka::test;

namespace {

/// Delivery reports, by the index passed as the message opaque.
struct deliveries {
  explicit deliveries(std::size_t n) : offset(n, -1), partition(n, -1) {}
  std::vector<std::int64_t> offset;
  std::vector<std::int32_t> partition;
  std::size_t acked = 0;
  std::size_t failed = 0;
  std::size_t acked_partition0 = 0;
  std::map<std::string, int> failures; ///< error text -> count
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto& d = *static_cast<deliveries*>(opaque);
  const auto i = reinterpret_cast<std::uintptr_t>(m->_private);
  if (m->err) {
    ++d.failed;
    ++d.failures[rd_kafka_err2str(m->err)];
    return;
  }
  ++d.acked;
  if (m->partition == 0)
    ++d.acked_partition0;
  d.offset.at(i) = m->offset;
  d.partition.at(i) = m->partition;
}

void produce_one(rd_kafka_t* rk, const char* topic, std::size_t i, const std::string& key,
                 const std::string& value) {
  const auto deadline = clock_type::now() + std::chrono::seconds(30);
  for (;;) {
    const rd_kafka_resp_err_t e = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(key.data(), key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(i))), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
      return;
    REQUIRE(e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
    REQUIRE(clock_type::now() < deadline);
    rd_kafka_poll(rk, 10);
  }
}

struct read_record {
  std::int32_t partition;
  std::int64_t offset;
  std::string key;
  std::string value;
};

/// Reads all three partitions from the beginning by assignment up to the
/// high watermarks queried first; bounded by 30 s.
std::vector<read_record> read_all(const std::string& bootstrap, const char* topic) {
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set_conf(conf, "group.id", "rivulet-readback");
  set_conf(conf, "enable.auto.commit", "false");
  set_conf(conf, "enable.partition.eof", "true");
  set_conf(conf, "check.crcs", "true");
  rd_kafka_t* rk = new_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(rk);
  std::int64_t high[3];
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(3);
  for (int p = 0; p < 3; ++p) {
    std::int64_t low = 0;
    REQUIRE(rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high[p], 10000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_add(parts, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  REQUIRE(rd_kafka_assign(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);

  std::vector<read_record> got;
  std::vector<std::string> errors;
  bool done[3] = {high[0] == 0, high[1] == 0, high[2] == 0};
  const auto deadline = clock_type::now() + std::chrono::seconds(30);
  while (!(done[0] && done[1] && done[2]) && clock_type::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m)
      continue;
    const int p = m->partition;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (p >= 0 && p < 3 && m->offset >= high[p])
        done[p] = true;
    } else if (m->err) {
      errors.push_back(rd_kafka_message_errstr(m));
    } else {
      got.push_back({p, m->offset, std::string(static_cast<const char*>(m->key), m->key_len),
                     std::string(static_cast<const char*>(m->payload), m->len)});
      if (m->offset + 1 >= high[p])
        done[p] = true;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  INFO("high watermarks " << high[0] << " " << high[1] << " " << high[2]);
  CHECK(errors.empty());
  CHECK((done[0] && done[1] && done[2]));
  return got;
}

} // namespace

TEST_CASE("an idempotent acks=all producer loses and duplicates nothing when a partition leader is killed",
          "[io][kafka][rdkafka-rivulet]") {
  constexpr std::size_t n = 30000;
  constexpr int keys = 97;
  const char* topic = "idem";
  kafka_cluster c{"idem"};
  INFO("node logs in " << c.dir);
  c.create_topic(topic);

  deliveries d{n};
  rd_kafka_conf_t* conf = base_conf(c.nodes.kafka_bootstrap());
  set_conf(conf, "enable.idempotence", "true");
  set_conf(conf, "acks", "all");
  set_conf(conf, "linger.ms", "5");
  set_conf(conf, "message.timeout.ms", "45000");
  rd_kafka_conf_set_opaque(conf, &d);
  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, conf);
  const std::vector<int> before = await_leaders(rk, topic);

  const auto start = clock_type::now();
  int killed = 0;
  int new_leader = -1;
  std::size_t acked_at_kill = 0;
  std::size_t partition0_at_kill = 0;
  std::size_t partition0_at_restart = 0;
  auto killed_at = start;
  bool restarted = false;
  for (std::size_t i = 0; i < n; ++i) {
    produce_one(rk, topic, i, "k" + std::to_string(i % keys), "v" + std::to_string(i));
    // Keep at most 2000 records outstanding so the kill lands mid-stream.
    const auto bounded = clock_type::now() + std::chrono::seconds(30);
    while (i + 1 - d.acked - d.failed > 2000 && clock_type::now() < bounded)
      rd_kafka_poll(rk, 5);
    rd_kafka_poll(rk, 0);
    if (!killed && d.acked >= n / 3) {
      const std::vector<int> now = leaders(rk, topic);
      killed = now.size() == 3 && now[0] > 0 ? now[0] : before[0];
      acked_at_kill = d.acked;
      partition0_at_kill = d.acked_partition0;
      killed_at = clock_type::now();
      c.nodes.kill(killed);
    }
    if (killed && new_leader <= 0 && i % 500 == 0) {
      const std::vector<int> now = leaders(rk, topic);
      if (now.size() == 3 && now[0] > 0 && now[0] != killed)
        new_leader = now[0];
    }
    // Restart once partition 0 took writes under its new leader (or after
    // 10 s, and the checks below fail).
    if (killed && !restarted &&
        ((new_leader > 0 && d.acked_partition0 > partition0_at_kill + 1000) ||
         clock_type::now() > killed_at + std::chrono::seconds(10))) {
      partition0_at_restart = d.acked_partition0;
      c.nodes.start(killed);
      restarted = true;
    }
  }
  const bool restarted_mid_stream = restarted;
  if (killed && !restarted) {
    partition0_at_restart = d.acked_partition0;
    c.nodes.start(killed);
  }
  const rd_kafka_resp_err_t flushed = rd_kafka_flush(rk, 50000);
  const auto produce_ms =
    std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
  const int outq = rd_kafka_outq_len(rk);
  rd_kafka_destroy(rk);

  std::ostringstream why;
  for (const auto& [text, count] : d.failures)
    why << count << " x " << text << "; ";
  INFO("killed node " << killed << " (leader of partition 0) after " << acked_at_kill << " acks; new leader "
                      << new_leader << "; partition 0 acks while it was down: "
                      << partition0_at_restart - partition0_at_kill << "; produce took " << produce_ms
                      << " ms; failures: " << why.str());
  CHECK(killed > 0);
  CHECK(new_leader > 0);
  CHECK(restarted_mid_stream);
  CHECK(partition0_at_restart > partition0_at_kill + 1000);
  CHECK(flushed == RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(outq == 0);
  CHECK(d.failures.empty());
  CHECK(d.acked == n);

  const std::vector<read_record> got = read_all(c.nodes.kafka_bootstrap(), topic);
  std::vector<int> seen(n, 0);
  std::map<std::string, std::int64_t> last_index; // per key, in read order
  std::size_t out_of_order = 0, offset_mismatch = 0, foreign = 0;
  for (const read_record& r : got) {
    const std::size_t i = std::stoul(r.value.substr(1));
    if (r.value[0] != 'v' || i >= n || r.key != "k" + std::to_string(i % keys)) {
      ++foreign;
      continue;
    }
    ++seen[i];
    if (d.offset[i] != r.offset || d.partition[i] != r.partition)
      ++offset_mismatch;
    auto [it, fresh] = last_index.emplace(r.key, static_cast<std::int64_t>(i));
    if (!fresh) {
      if (static_cast<std::int64_t>(i) <= it->second)
        ++out_of_order;
      it->second = static_cast<std::int64_t>(i);
    }
  }
  std::size_t missing = 0, duplicated = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (d.offset[i] >= 0 && seen[i] == 0)
      ++missing;
    if (seen[i] > 1)
      duplicated += static_cast<std::size_t>(seen[i] - 1);
  }
  INFO("read " << got.size() << " records");
  CHECK(foreign == 0);
  CHECK(missing == 0);
  CHECK(duplicated == 0);
  CHECK(out_of_order == 0);
  CHECK(offset_mismatch == 0);
  CHECK(got.size() == n);
}

namespace {

void produce_batch(const std::string& bootstrap, const char* topic, const std::string& prefix, std::size_t n) {
  deliveries d{n};
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set_conf(conf, "acks", "all");
  set_conf(conf, "linger.ms", "5");
  rd_kafka_conf_set_opaque(conf, &d);
  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, conf);
  for (std::size_t i = 0; i < n; ++i)
    produce_one(rk, topic, i, "k" + std::to_string(i % 97), prefix + std::to_string(i));
  CHECK(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  CHECK(d.failures.empty());
  REQUIRE(d.acked == n);
}

/// A subscribed consumer in `group` reads until it has `want` records and
/// every assigned partition reported its end (so extras would show), or 30 s
/// pass; commits synchronously when `commit`, then closes.
std::vector<std::string> group_read(const std::string& bootstrap, const char* topic, const char* group,
                                    std::size_t want, bool commit) {
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set_conf(conf, "group.id", group);
  set_conf(conf, "enable.auto.commit", "false");
  set_conf(conf, "auto.offset.reset", "earliest");
  set_conf(conf, "enable.partition.eof", "true");
  set_conf(conf, "session.timeout.ms", "6000");
  rd_kafka_t* rk = new_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
  REQUIRE(rd_kafka_subscribe(rk, sub) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(sub);

  std::vector<std::string> values;
  std::vector<std::string> errors;
  std::set<int> at_end;
  const auto started = clock_type::now();
  const auto deadline = started + std::chrono::seconds(30);
  while (!(values.size() >= want && at_end.size() == 3) && clock_type::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m)
      continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(m->partition);
    } else if (m->err) {
      errors.push_back(rd_kafka_message_errstr(m));
    } else {
      at_end.erase(m->partition);
      values.emplace_back(static_cast<const char*>(m->payload), m->len);
    }
    rd_kafka_message_destroy(m);
  }
  INFO("group " << group << " read " << values.size() << ", partitions at end " << at_end.size() << " after "
                << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started).count()
                << " ms");
  CHECK(errors.empty());
  CHECK(at_end.size() == 3);
  if (commit)
    CHECK(rd_kafka_commit(rk, nullptr, 0) == RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(rd_kafka_consumer_close(rk) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  return values;
}

std::set<std::string> numbered(const std::string& prefix, std::size_t n) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < n; ++i)
    out.insert(prefix + std::to_string(i));
  return out;
}

} // namespace

TEST_CASE("a consumer group commits synchronously and its next member resumes after the committed records",
          "[io][kafka][rdkafka-rivulet]") {
  const char* topic = "grp";
  kafka_cluster c{"group"};
  INFO("node logs in " << c.dir);
  c.create_topic(topic);
  const std::string bootstrap = c.nodes.kafka_bootstrap();
  produce_batch(bootstrap, topic, "a", 1000);

  const auto t0 = clock_type::now();
  const std::vector<std::string> first = group_read(bootstrap, topic, "g1", 1000, true);
  CHECK(first.size() == 1000);
  CHECK(std::set<std::string>(first.begin(), first.end()) == numbered("a", 1000));

  produce_batch(bootstrap, topic, "b", 500);
  const std::vector<std::string> second = group_read(bootstrap, topic, "g1", 500, false);
  CHECK(second.size() == 500);
  CHECK(std::set<std::string>(second.begin(), second.end()) == numbered("b", 500));
  INFO("both group members took "
       << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count() << " ms");
  CHECK(true);
}

TEST_CASE("offsets_for_times finds the first record at or after each time", "[io][kafka][rdkafka-rivulet]") {
  const char* topic = "times";
  kafka_cluster c{"times"};
  INFO("node logs in " << c.dir);
  c.create_topic(topic);
  const std::string bootstrap = c.nodes.kafka_bootstrap();
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set_conf(conf, "acks", "all");
  rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, conf);
  // Partition 1: timestamps 1000, 2000, ..., 10000 in ten requests.
  for (int i = 1; i <= 10; ++i) {
    std::string value = "t" + std::to_string(i);
    REQUIRE(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(1),
                              RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_TIMESTAMP(i * 1000), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  // Offsets of t1..t10 by reading them back.
  std::map<std::string, std::int64_t> offset_of;
  for (const auto& r : read_all(bootstrap, topic))
    offset_of[r.value] = r.offset;
  REQUIRE(offset_of.size() == 10);
  auto lookup = [&](std::int64_t ts) {
    rd_kafka_topic_partition_list_t* q = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(q, topic, 1)->offset = ts;
    auto e = rd_kafka_offsets_for_times(rk, q, 15000);
    INFO(rd_kafka_err2str(e));
    CHECK(e == RD_KAFKA_RESP_ERR_NO_ERROR);
    auto off = q->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(q);
    return off;
  };
  CHECK(lookup(0) == offset_of["t1"]);
  CHECK(lookup(2500) == offset_of["t3"]);
  CHECK(lookup(10000) == offset_of["t10"]);
  CHECK(lookup(10001) == -1); // nothing at or after: Kafka's -1 (RD_KAFKA_OFFSET_END)
  rd_kafka_destroy(rk);
}
