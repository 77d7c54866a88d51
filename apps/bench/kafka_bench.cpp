#include "apps/bench/kafka_bench.hpp"

#include <cstdio>

#ifndef RIVULET_HAVE_RDKAFKA

namespace rivulet::bench {

int kafka(const kafka_options&) {
  std::fprintf(stderr, "rivulet-bench kafka: built without librdkafka (install librdkafka-dev and re-run cmake)\n");
  return 2;
}

} // namespace rivulet::bench

#else

#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/admin.hpp"
#include "actors/executor.hpp"
#include "actors/remote.hpp"
#include "actors/type_ids.hpp"
#include "apps/bench/proc_cpu.hpp"
#include "apps/local_cluster.hpp"

namespace rivulet::bench {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// The rivulet binary next to this one (build/apps/).
std::string rivulet_binary() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "rivulet").string();
}

void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}

/// A configuration with `bootstrap.servers` and the given settings; nullptr
/// (after a message) when librdkafka refuses one.
rd_kafka_conf_t* make_conf(const std::string& bootstrap,
                           const std::vector<std::pair<const char*, std::string>>& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &quiet_log);
  char err[512] = "";
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "kafka bench: bootstrap.servers: %s\n", err);
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  for (const auto& [name, value] : settings)
    if (rd_kafka_conf_set(conf, name, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "kafka bench: %s=%s: %s\n", name, value.c_str(), err);
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  return conf;
}

struct produce_figures {
  double rps = 0;
  double server_cpu_s = 0;  // CPU seconds the server side used during the run
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  std::string first_error;
};

/// Delivery-report tally; the callback runs on the thread calling rd_kafka_poll/flush.
struct tally {
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* t = static_cast<tally*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++t->acked;
  } else if (t->failed++ == 0) {
    t->first_error = rd_kafka_err2str(m->err);
  }
}

/// The producer settings every run shares; only `acks` differs.
/// `server_cpu` reads the server side's CPU seconds so far.
produce_figures run_produce(const std::string& bootstrap, const std::string& topic, const char* acks,
                            const kafka_options& o, const std::function<double()>& server_cpu) {
  produce_figures f;
  auto cpu0 = server_cpu();
  tally t;
  rd_kafka_conf_t* conf = make_conf(bootstrap, {{"acks", acks},
                                                {"linger.ms", "5"},
                                                {"batch.size", "1000000"},
                                                {"compression.codec", "none"},
                                                {"queue.buffering.max.messages", "10000000"},
                                                {"queue.buffering.max.kbytes", "2097151"}});
  if (!conf) {
    f.failed = o.records;
    f.first_error = "bad producer configuration";
    return f;
  }
  rd_kafka_conf_set_opaque(conf, &t);
  rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
  char err[512] = "";
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    std::fprintf(stderr, "kafka bench: producer: %s\n", err);
    f.failed = o.records;
    f.first_error = err;
    return f;
  }
  std::string value(o.record_bytes, 'v');
  std::uint64_t refused = 0;
  auto t0 = clock_type::now();
  for (std::uint64_t i = 0; i < o.records; ++i) {
    for (;;) {
      auto e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (refused++ == 0 && t.first_error.empty())
          t.first_error = std::string("produce refused: ") + rd_kafka_err2str(e);
        break;
      }
      rd_kafka_poll(rk, 10);  // queue full: serve delivery reports, then retry
    }
    if (i % 1024 == 0)
      rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120'000);
  auto secs = seconds(clock_type::now() - t0);
  f.server_cpu_s = server_cpu() - cpu0;
  auto unfinished = static_cast<std::uint64_t>(rd_kafka_outq_len(rk));
  rd_kafka_destroy(rk);
  f.acked = t.acked;
  f.failed = t.failed + refused + (o.records - std::min(o.records, t.acked + t.failed + refused));
  f.first_error = t.first_error.empty() && unfinished ? "flush timed out" : t.first_error;
  f.rps = static_cast<double>(t.acked) / secs;
  return f;
}

struct consume_figures {
  double rps = 0;
  std::uint64_t got = 0;
  std::string first_error;
};

/// Assigns every partition of `topic` from the beginning and reads until
/// `expected` records arrived (bounded by 120 s). Fetch settings are librdkafka's defaults.
consume_figures run_consume(const std::string& bootstrap, const std::string& topic, int partitions,
                            std::uint64_t expected) {
  consume_figures f;
  rd_kafka_conf_t* conf =
    make_conf(bootstrap, {{"group.id", "rivulet-bench"}, {"enable.auto.commit", "false"}});
  if (!conf) {
    f.first_error = "bad consumer configuration";
    return f;
  }
  char err[512] = "";
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    f.first_error = err;
    return f;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  auto t0 = clock_type::now();
  if (auto e = rd_kafka_assign(rk, parts); e != RD_KAFKA_RESP_ERR_NO_ERROR)
    f.first_error = rd_kafka_err2str(e);
  rd_kafka_topic_partition_list_destroy(parts);
  auto deadline = t0 + 120s;
  // A consumer that stops making progress for 10 s is reported, not waited
  // out (librdkafka's mock consumer stalls on large topics).
  auto last_progress = t0;
  while (f.first_error.empty() && f.got < expected && clock_type::now() < deadline) {
    if (clock_type::now() - last_progress > 10s) {
      f.first_error = "no record for 10 s after " + std::to_string(f.got) + " of " + std::to_string(expected);
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m)
      continue;
    last_progress = clock_type::now();
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
      ++f.got;
    else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
      f.first_error = rd_kafka_message_errstr(m);
    rd_kafka_message_destroy(m);
  }
  f.rps = static_cast<double>(f.got) / seconds(clock_type::now() - t0);
  if (f.got < expected && f.first_error.empty())
    f.first_error = "read " + std::to_string(f.got) + " of " + std::to_string(expected) + " records in 120 s";
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return f;
}

/// librdkafka's mock cluster (3 brokers), owned by a throwaway handle.
class mock_cluster {
public:
  mock_cluster() {
    char err[512] = "";
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, &quiet_log);
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!owner_) {
      std::fprintf(stderr, "kafka bench: mock owner: %s\n", err);
      return;
    }
    cluster_ = rd_kafka_mock_cluster_new(owner_, 3);
  }
  ~mock_cluster() {
    if (cluster_)
      rd_kafka_mock_cluster_destroy(cluster_);
    if (owner_)
      rd_kafka_destroy(owner_);
  }
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;

  bool started() const {
    return cluster_ != nullptr;
  }
  std::string bootstrap() const {
    return rd_kafka_mock_cluster_bootstraps(cluster_);
  }
  /// "" or why not. RF=3 in the mock's metadata only: the mock does not replicate.
  std::string create_topic(const std::string& name, int partitions) {
    auto e = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 3);
    return e == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_err2str(e);
  }

private:
  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

/// Connects to node 1's actor port and runs `fn(sys, node)`; "" or why not.
std::string with_node(const apps::local_cluster& cluster,
                      const std::function<std::string(caf::actor_system&, const caf::actor&)>& fn) {
  caf::actor_system_config cfg;
  job_config jc;
  jc.threads = 1;
  actors::configure_system(cfg, jc);
  actors::configure_network(cfg);
  caf::actor_system sys{cfg};
  caf::actor node;
  auto deadline = clock_type::now() + 30s;
  while (!node && clock_type::now() < deadline) {
    std::string error;
    node = actors::connect_node(sys, "127.0.0.1", cluster.port(1), error);
    if (!node)
      std::this_thread::sleep_for(50ms);  // the node is still starting
  }
  if (!node)
    return "node 1 did not come up";
  return fn(sys, node);
}

/// Creates `topics` (name, RF) and waits for their leaders; "" or why not.
std::string create_topics(const apps::local_cluster& cluster, int partitions,
                          const std::vector<std::pair<std::string, int>>& topics) {
  return with_node(cluster, [&](caf::actor_system& sys, const caf::actor& node) -> std::string {
    for (const auto& [name, rf] : topics)
      if (auto e = actors::create_topic_and_wait(sys, node, name, partitions, rf, 60s); !e.empty())
        return e;
    return "";
  });
}

/// Deletes `topics` (their logs go from disk); "" or why not.
std::string delete_topics(const apps::local_cluster& cluster, const std::vector<std::string>& topics) {
  return with_node(cluster, [&](caf::actor_system&, const caf::actor& node) -> std::string {
    caf::scoped_actor self{node.home_system()};
    for (const auto& name : topics) {
      std::string error = "no answer";
      self->request(node, 30s, actors::delete_topic_request{name, 0})
        .receive([&](actors::admin_reply& r) { error = r.ok ? "" : r.error; },
                 [&](caf::error& e) { error = caf::to_string(e); });
      if (!error.empty())
        return "delete " + name + ": " + error;
    }
    return "";
  });
}

const char* met(bool ok) {
  return ok ? "met" : "NOT met";
}

/// The median of the runs' figures (the lower middle one of an even count).
produce_figures median(std::vector<produce_figures> runs) {
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.rps < b.rps; });
  return runs[(runs.size() - 1) / 2];
}

void print_produce(const char* label, const produce_figures& f, std::uint64_t bytes) {
  std::printf("  %-40s %12.0f records/s  %7.1f MB/s  server CPU %5.2f s (%.2f us/record)%s\n", label, f.rps,
              f.rps * static_cast<double>(bytes) / 1e6, f.server_cpu_s,
              f.acked ? f.server_cpu_s * 1e6 / static_cast<double>(f.acked) : 0.0, f.failed ? "  (FAILURES)" : "");
  std::fflush(stdout);
}

std::string json_list(const std::vector<produce_figures>& runs) {
  std::string out = "[";
  for (const auto& f : runs)
    out += (out.size() > 1 ? "," : "") + std::to_string(static_cast<long long>(f.rps));
  return out + "]";
}

} // namespace

int kafka(const kafka_options& o) {
  auto base = fs::temp_directory_path() / ("rivulet-bench-kafka-" + std::to_string(::getpid()));
  fs::remove_all(base);
  auto rounds = std::max<std::uint64_t>(o.rounds, 1);
  std::printf("rivulet-bench kafka: librdkafka %s, %llu records of %llu bytes, %llu partitions, %llu rounds; "
              "producer linger.ms=5 batch.size=1000000 compression=none; consumer assigns every partition from the "
              "beginning, default fetch settings; rivulet: 3 node processes on loopback, fsync=never; each round "
              "produces to the mock, rivulet RF=1 and rivulet RF=3 in turn (new topics), figures are per run and the "
              "bars use the median run; server CPU: the mock's thread, or the node processes, during the run\n",
              rd_kafka_version_str(), (unsigned long long) o.records, (unsigned long long) o.record_bytes,
              (unsigned long long) o.partitions, (unsigned long long) rounds);
  std::fflush(stdout);
  auto parts = static_cast<int>(o.partitions);

  mock_cluster mock;
  if (!mock.started()) {
    std::fprintf(stderr, "kafka bench: the mock cluster did not start\n");
    return 1;
  }
  std::vector<produce_figures> mock_runs, rf1_runs, rf3_runs;
  consume_figures cons, mock_cons;
  {
    apps::local_cluster_config lc;
    lc.rivulet_binary = rivulet_binary();
    lc.base_dir = base;
    lc.tick_ms = 50;
    lc.fsync = "never";
    lc.kafka = true;
    apps::local_cluster cluster(lc);
    auto topic = [](const char* kind, std::uint64_t round) { return std::string("bench-") + kind + "-" + std::to_string(round); };
    std::vector<std::pair<std::string, int>> topics;
    for (std::uint64_t r = 1; r <= rounds; ++r) {
      topics.emplace_back(topic("rf1", r), 1);
      topics.emplace_back(topic("rf3", r), 3);
      if (auto e = mock.create_topic(topic("mock", r), parts); !e.empty()) {
        std::fprintf(stderr, "kafka bench: mock topic: %s\n", e.c_str());
        return 1;
      }
    }
    if (auto e = create_topics(cluster, parts, topics); !e.empty()) {
      std::fprintf(stderr, "kafka bench: %s\n", e.c_str());
      return 1;
    }
    auto mock_cpu = [] { return cpu_seconds_of_threads("rdk:mock"); };
    auto nodes_cpu = [pids = cluster.pids()] { return cpu_seconds_of_processes(pids); };
    for (std::uint64_t r = 1; r <= rounds; ++r) {
      std::printf(" round %llu\n", (unsigned long long) r);
      mock_runs.push_back(run_produce(mock.bootstrap(), topic("mock", r), "all", o, mock_cpu));
      print_produce("produce mock cluster, 3 brokers, acks=all", mock_runs.back(), o.record_bytes);
      rf1_runs.push_back(run_produce(cluster.kafka_bootstrap(), topic("rf1", r), "1", o, nodes_cpu));
      print_produce("produce rivulet RF=1 acks=1", rf1_runs.back(), o.record_bytes);
      rf3_runs.push_back(run_produce(cluster.kafka_bootstrap(), topic("rf3", r), "all", o, nodes_cpu));
      print_produce("produce rivulet RF=3 acks=all", rf3_runs.back(), o.record_bytes);
      if (r == 1)
        cons = run_consume(cluster.kafka_bootstrap(), topic("rf3", 1), parts, rf3_runs.front().acked);
      // Each round starts from the same stored volume. Without this, a later
      // round's writes cost the nodes more CPU (RF=1: 0.65 s in round 1,
      // 1.38 s in round 2, 1.70 s in round 3): on this machine, writing to
      // files gets ten times dearer once about 1 GB sits in the page cache
      // (dd of 300 MB: 0.05 s, then 0.57 s of system time per file).
      if (auto e = delete_topics(cluster, {topic("rf1", r), topic("rf3", r)}); !e.empty()) {
        std::fprintf(stderr, "kafka bench: %s\n", e.c_str());
        return 1;
      }
    }
  }
  fs::remove_all(base);
  mock_cons = run_consume(mock.bootstrap(), "bench-mock-1", parts, mock_runs.front().acked);
  auto mock_med = median(mock_runs), rf1 = median(rf1_runs), rf3 = median(rf3_runs);
  std::printf(" medians\n");
  print_produce("produce mock cluster, 3 brokers, acks=all", mock_med, o.record_bytes);
  print_produce("produce rivulet RF=1 acks=1", rf1, o.record_bytes);
  print_produce("produce rivulet RF=3 acks=all", rf3, o.record_bytes);
  std::printf("  %-40s %12.0f records/s\n", "consume mock topic", mock_cons.rps);
  std::printf("  %-40s %12.0f records/s\n", "consume rivulet RF=3 topic", cons.rps);
  std::printf("  bar: rivulet RF=1 >= mock, medians (%.0f >= %.0f): %s\n", rf1.rps, mock_med.rps,
              met(rf1.rps >= mock_med.rps));
  std::printf("  bar: rivulet RF=3 acks=all >= 500000 records/s, median (%.0f): %s\n", rf3.rps,
              met(rf3.rps >= 500000));
  std::uint64_t failed = 0;
  for (const auto* runs : {&mock_runs, &rf1_runs, &rf3_runs})
    for (const auto& f : *runs)
      failed += f.failed;
  std::printf("{\"bench\":\"kafka\",\"rivulet_rf1_rps\":%.0f,\"rivulet_rf3_rps\":%.0f,\"mock_rps\":%.0f,"
              "\"rivulet_consume_rps\":%.0f,\"mock_consume_rps\":%.0f,\"records\":%llu,\"record_bytes\":%llu,"
              "\"partitions\":%llu,\"rounds\":%llu,\"fsync\":\"never\",\"failed\":%llu,\"rivulet_consumed\":%llu,"
              "\"mock_consumed\":%llu,\"mock_server_cpu_s\":%.2f,\"rivulet_rf1_server_cpu_s\":%.2f,"
              "\"rivulet_rf3_server_cpu_s\":%.2f,\"mock_runs_rps\":%s,\"rivulet_rf1_runs_rps\":%s,"
              "\"rivulet_rf3_runs_rps\":%s}\n",
              rf1.rps, rf3.rps, mock_med.rps, cons.rps, mock_cons.rps, (unsigned long long) o.records,
              (unsigned long long) o.record_bytes, (unsigned long long) o.partitions, (unsigned long long) rounds,
              (unsigned long long) failed, (unsigned long long) cons.got, (unsigned long long) mock_cons.got,
              mock_med.server_cpu_s, rf1.server_cpu_s, rf3.server_cpu_s, json_list(mock_runs).c_str(),
              json_list(rf1_runs).c_str(), json_list(rf3_runs).c_str());
  int rc = 0;
  for (auto& [what, runs] : {std::pair<const char*, const std::vector<produce_figures>*>{"mock", &mock_runs},
                             {"rivulet RF=1", &rf1_runs},
                             {"rivulet RF=3", &rf3_runs}})
    for (const auto& f : *runs)
      if (f.failed) {
        std::fprintf(stderr, "kafka bench: %s: %llu of %llu records failed, first: %s\n", what,
                     (unsigned long long) f.failed, (unsigned long long) o.records, f.first_error.c_str());
        rc = 1;
      }
  for (auto& [what, c] : {std::pair<const char*, const consume_figures*>{"mock", &mock_cons}, {"rivulet", &cons}})
    if (!c->first_error.empty()) {
      std::fprintf(stderr, "kafka bench: consume %s: %s\n", what, c->first_error.c_str());
      rc = 1;
    }
  return rc;
}

} // namespace rivulet::bench

#endif
