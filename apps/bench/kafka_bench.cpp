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

#include <chrono>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/admin.hpp"
#include "actors/executor.hpp"
#include "actors/remote.hpp"
#include "actors/type_ids.hpp"
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

/// CPU seconds (user + system) a process or thread used so far, from a
/// /proc/.../stat file; 0 when it cannot be read.
double cpu_seconds_of(const std::string& stat_path) {
  std::ifstream in(stat_path);
  std::string line;
  if (!std::getline(in, line))
    return 0;
  auto close = line.rfind(')');  // the name field may hold spaces
  if (close == std::string::npos)
    return 0;
  std::istringstream fields(line.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 0; i < 13 && fields >> f; ++i)
    if (i == 11 || i == 12)  // utime, stime (fields 14 and 15)
      ticks += std::stod(f);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// CPU seconds of this process's threads named `name`.
double cpu_seconds_of_threads(const std::string& name) {
  double total = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (!dir)
    return 0;
  while (auto* e = ::readdir(dir)) {
    if (e->d_name[0] == '.')
      continue;
    auto base = std::string("/proc/self/task/") + e->d_name;
    std::ifstream comm(base + "/comm");
    std::string c;
    if (std::getline(comm, c) && c == name)
      total += cpu_seconds_of(base + "/stat");
  }
  ::closedir(dir);
  return total;
}

/// CPU seconds of the node processes.
double cpu_seconds_of_nodes(const std::vector<pid_t>& pids) {
  double total = 0;
  for (auto pid : pids)
    total += cpu_seconds_of("/proc/" + std::to_string(pid) + "/stat");
  return total;
}

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

/// librdkafka's mock cluster, owned by a throwaway handle, for one produce and one consume run.
struct mock_figures {
  produce_figures produce;
  consume_figures consume;
  bool started = false;
};

mock_figures run_mock(const kafka_options& o) {
  mock_figures m;
  char err[512] = "";
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &quiet_log);
  rd_kafka_t* owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!owner) {
    std::fprintf(stderr, "kafka bench: mock owner: %s\n", err);
    return m;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(owner, 3);
  if (mc) {
    m.started = true;
    std::string bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
    auto parts = static_cast<int>(o.partitions);
    // RF=3 in the mock's metadata only: the mock does not replicate.
    if (auto e = rd_kafka_mock_topic_create(mc, "bench-mock", parts, 3); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      m.produce.failed = o.records;
      m.produce.first_error = rd_kafka_err2str(e);
    } else {
      m.produce = run_produce(bootstrap, "bench-mock", "all", o, [] { return cpu_seconds_of_threads("rdk:mock"); });
      m.consume = run_consume(bootstrap, "bench-mock", parts, m.produce.acked);
    }
    rd_kafka_mock_cluster_destroy(mc);
  }
  rd_kafka_destroy(owner);
  return m;
}

/// Connects to the nodes' actor ports and creates the two topics; "" or why not.
std::string create_topics(const apps::local_cluster& cluster, int partitions) {
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
  for (auto& [name, rf] : {std::pair<const char*, int>{"bench-rf1", 1}, {"bench-rf3", 3}})
    if (auto e = actors::create_topic_and_wait(sys, node, name, partitions, rf, 60s); !e.empty())
      return e;
  return "";
}

const char* met(bool ok) {
  return ok ? "met" : "NOT met";
}

void print_produce(const char* label, const produce_figures& f, std::uint64_t bytes) {
  std::printf("  %-44s %12.0f records/s  %7.1f MB/s  server CPU %5.2f s (%.2f us/record)%s\n", label, f.rps,
              f.rps * static_cast<double>(bytes) / 1e6, f.server_cpu_s,
              f.acked ? f.server_cpu_s * 1e6 / static_cast<double>(f.acked) : 0.0, f.failed ? "  (FAILURES)" : "");
  std::fflush(stdout);
}

} // namespace

int kafka(const kafka_options& o) {
  auto base = fs::temp_directory_path() / ("rivulet-bench-kafka-" + std::to_string(::getpid()));
  fs::remove_all(base);
  std::printf("rivulet-bench kafka: librdkafka %s, %llu records of %llu bytes, %llu partitions; producer linger.ms=5 "
              "batch.size=1000000 compression=none; consumer assigns every partition from the beginning, "
              "default fetch settings; rivulet: 3 node processes on loopback, fsync=never; server CPU: the mock's thread, "
              "or the node processes, during the run\n",
              rd_kafka_version_str(), (unsigned long long) o.records, (unsigned long long) o.record_bytes,
              (unsigned long long) o.partitions);
  std::fflush(stdout);
  auto parts = static_cast<int>(o.partitions);

  auto mock = run_mock(o);
  if (!mock.started) {
    std::fprintf(stderr, "kafka bench: the mock cluster did not start\n");
    return 1;
  }
  print_produce("produce mock cluster, 3 brokers, acks=all", mock.produce, o.record_bytes);

  produce_figures rf1, rf3;
  consume_figures cons;
  {
    apps::local_cluster_config lc;
    lc.rivulet_binary = rivulet_binary();
    lc.base_dir = base;
    lc.tick_ms = 50;
    lc.fsync = "never";
    lc.kafka = true;
    apps::local_cluster cluster(lc);
    if (auto e = create_topics(cluster, parts); !e.empty()) {
      std::fprintf(stderr, "kafka bench: %s\n", e.c_str());
      return 1;
    }
    auto nodes_cpu = [pids = cluster.pids()] { return cpu_seconds_of_nodes(pids); };
    rf1 = run_produce(cluster.kafka_bootstrap(), "bench-rf1", "1", o, nodes_cpu);
    print_produce("produce rivulet RF=1 acks=1", rf1, o.record_bytes);
    rf3 = run_produce(cluster.kafka_bootstrap(), "bench-rf3", "all", o, nodes_cpu);
    print_produce("produce rivulet RF=3 acks=all", rf3, o.record_bytes);
    cons = run_consume(cluster.kafka_bootstrap(), "bench-rf3", parts, rf3.acked);
  }
  fs::remove_all(base);
  std::printf("  %-44s %12.0f records/s\n", "consume mock topic", mock.consume.rps);
  std::printf("  %-44s %12.0f records/s\n", "consume rivulet RF=3 topic", cons.rps);
  std::printf("  bar: rivulet RF=1 >= mock (%.0f >= %.0f): %s\n", rf1.rps, mock.produce.rps,
              met(rf1.rps >= mock.produce.rps));
  std::printf("  bar: rivulet RF=3 acks=all >= 500000 records/s (%.0f): %s\n", rf3.rps, met(rf3.rps >= 500000));
  std::printf("{\"bench\":\"kafka\",\"rivulet_rf1_rps\":%.0f,\"rivulet_rf3_rps\":%.0f,\"mock_rps\":%.0f,"
              "\"rivulet_consume_rps\":%.0f,\"mock_consume_rps\":%.0f,\"records\":%llu,\"record_bytes\":%llu,"
              "\"partitions\":%llu,\"fsync\":\"never\",\"failed\":%llu,\"rivulet_consumed\":%llu,"
              "\"mock_consumed\":%llu,\"mock_server_cpu_s\":%.2f,\"rivulet_rf1_server_cpu_s\":%.2f,"
              "\"rivulet_rf3_server_cpu_s\":%.2f}\n",
              rf1.rps, rf3.rps, mock.produce.rps, cons.rps, mock.consume.rps, (unsigned long long) o.records,
              (unsigned long long) o.record_bytes, (unsigned long long) o.partitions,
              (unsigned long long) (mock.produce.failed + rf1.failed + rf3.failed), (unsigned long long) cons.got,
              (unsigned long long) mock.consume.got, mock.produce.server_cpu_s, rf1.server_cpu_s, rf3.server_cpu_s);
  int rc = 0;
  for (auto& [what, f] : {std::pair<const char*, const produce_figures*>{"mock", &mock.produce},
                          {"rivulet RF=1", &rf1},
                          {"rivulet RF=3", &rf3}})
    if (f->failed) {
      std::fprintf(stderr, "kafka bench: %s: %llu of %llu records failed, first: %s\n", what,
                   (unsigned long long) f->failed, (unsigned long long) o.records, f->first_error.c_str());
      rc = 1;
    }
  for (auto& [what, c] : {std::pair<const char*, const consume_figures*>{"mock", &mock.consume}, {"rivulet", &cons}})
    if (!c->first_error.empty()) {
      std::fprintf(stderr, "kafka bench: consume %s: %s\n", what, c->first_error.c_str());
      rc = 1;
    }
  return rc;
}

} // namespace rivulet::bench

#endif
