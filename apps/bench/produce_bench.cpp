#include "apps/bench/produce_bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
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
#include "io/kafka/records.hpp"
#include "state/log/segment_log.hpp"

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

/// Appends batches of `per_batch` records of `bytes` bytes to one segment
/// log: records/s.
double log_append_rate(const fs::path& dir, std::uint64_t records, std::uint64_t bytes) {
  state::log_config lc;
  lc.fsync = state::fsync_policy::never;
  auto log = state::segment_log::open(dir, lc);
  if (!log) {
    std::fprintf(stderr, "produce bench: %s\n", log.error().to_string().c_str());
    return 0;
  }
  constexpr std::size_t per_batch = 160;  // ~16 KiB of 100-byte records, as the producer batches
  std::vector<io::kafka::plain_record> recs(per_batch);
  for (auto& r : recs)
    r.value = std::string(bytes, 'x');
  auto batch = io::kafka::encode_batch(recs);
  auto t0 = clock_type::now();
  std::uint64_t done = 0;
  while (done < records) {
    if (auto r = log->append(*batch); !r) {
      std::fprintf(stderr, "produce bench: append: %s\n", r.error().to_string().c_str());
      return 0;
    }
    done += per_batch;
  }
  (void) log->flush();
  return static_cast<double>(done) / seconds(clock_type::now() - t0);
}

struct produce_figures {
  double rps = 0;
  double mbps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::uint64_t failed = 0;
  std::string first_error;
};

produce_figures run_produce(caf::actor_system& sys, const std::vector<caf::actor>& nodes, const std::string& topic,
                            std::int16_t acks, const produce_options& o) {
  produce_figures f;
  actors::producer_config pc;
  pc.bootstrap = nodes;
  pc.acks = acks;
  pc.linger = 5ms;
  pc.batch_bytes = 64 * 1024;
  std::string value(o.record_bytes, 'v');
  // Per-record state lives in arrays indexed by record number, so that the
  // delivery callback captures two words and std::function keeps it inline:
  // the harness should not add a heap allocation per record.
  struct run_state {
    std::vector<clock_type::time_point> sent;
    std::vector<float> latency_ms;
    std::atomic<std::uint64_t> failed{0};
    std::mutex err_mtx;
    std::string first_error;
  };
  auto st = std::make_unique<run_state>();
  st->sent.resize(o.records);
  st->latency_ms.resize(o.records, 0.0f);
  auto* state = st.get();
  {
    actors::producer prod(sys, pc);
    auto t0 = clock_type::now();
    for (std::uint64_t i = 0; i < o.records; ++i) {
      state->sent[i] = clock_type::now();
      prod.send(topic, std::nullopt, value, [state, i](const actors::delivery& d) {
        state->latency_ms[i] = static_cast<float>(seconds(clock_type::now() - state->sent[i]) * 1000.0);
        if (!d.ok() && state->failed++ == 0) {
          std::lock_guard<std::mutex> guard(state->err_mtx);
          state->first_error = d.error;
        }
      });
    }
    prod.flush();
    auto secs = seconds(clock_type::now() - t0);
    f.rps = static_cast<double>(o.records) / secs;
    f.mbps = f.rps * static_cast<double>(o.record_bytes) / 1e6;
  }
  f.first_error = state->first_error;
  auto& latency_ms = state->latency_ms;
  std::atomic<std::uint64_t>& failed = state->failed;
  f.failed = failed.load();
  std::sort(latency_ms.begin(), latency_ms.end());
  f.p50_ms = latency_ms[latency_ms.size() / 2];
  f.p99_ms = latency_ms[std::min(latency_ms.size() - 1, latency_ms.size() * 99 / 100)];
  return f;
}

double run_consume(caf::actor_system& sys, const std::vector<caf::actor>& nodes, const std::string& topic,
                   int partitions, std::uint64_t expected) {
  actors::consumer_config cc;
  cc.bootstrap = nodes;
  cc.auto_offset_reset = actors::consumer_config::offset_reset::earliest;
  cc.max_poll_records = 10000;
  cc.fetch_max_bytes = 4 << 20;
  actors::consumer cons(sys, cc);
  std::vector<actors::topic_partition> tps;
  for (int p = 0; p < partitions; ++p)
    tps.push_back({topic, p});
  cons.assign(tps);
  cons.seek_to_beginning();
  std::uint64_t got = 0;
  auto t0 = clock_type::now();
  auto deadline = t0 + 120s;
  while (got < expected && clock_type::now() < deadline)
    got += cons.poll(100ms).size();
  auto secs = seconds(clock_type::now() - t0);
  if (got < expected)
    std::fprintf(stderr, "produce bench: consumer read %llu of %llu records\n", (unsigned long long) got,
                 (unsigned long long) expected);
  return static_cast<double>(got) / secs;
}

} // namespace

int produce(const produce_options& o) {
  auto base = fs::temp_directory_path() / ("rivulet-bench-produce-" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base);
  const char* fsync_name = o.fsync == 0 ? "never" : o.fsync == 1 ? "interval" : "every_batch";
  std::printf("rivulet-bench produce: %llu records of %llu bytes, %llu partitions, 3 node processes on loopback, "
              "fsync=%s (see docs/operations.md for what each promises)\n",
              (unsigned long long) o.records, (unsigned long long) o.record_bytes, (unsigned long long) o.partitions,
              fsync_name);
  auto log_rps = log_append_rate(base / "log", o.log_records, o.record_bytes);
  std::printf("  segment log append, 1 partition      %12.0f records/s  (storage ceiling, no fsync)\n", log_rps);
  std::fflush(stdout);

  produce_figures rf3, rf1;
  double consume_rps = 0;
  int rc = 0;
  {
    apps::local_cluster_config lc;
    lc.rivulet_binary = rivulet_binary();
    lc.base_dir = base / "cluster";
    lc.tick_ms = 50;
    lc.fsync = fsync_name;
    apps::local_cluster cluster(lc);
    caf::actor_system_config cfg;
    job_config jc;
    jc.threads = 2;
    actors::configure_system(cfg, jc);
    actors::configure_network(cfg);
    caf::actor_system sys{cfg};
    std::vector<caf::actor> nodes;
    auto deadline = clock_type::now() + 30s;
    for (int id = 1; id <= 3; ++id) {
      caf::actor h;
      while (!h && clock_type::now() < deadline) {
        std::string error;
        h = actors::connect_node(sys, "127.0.0.1", cluster.port(id), error);
        if (!h)
          std::this_thread::sleep_for(50ms);  // the node is still starting
      }
      if (!h) {
        std::fprintf(stderr, "produce bench: node %d did not come up\n", id);
        return 1;
      }
      nodes.push_back(h);
    }
    auto parts = static_cast<int>(o.partitions);
    for (auto& [name, rf] : {std::pair<const char*, int>{"bench-rf3", 3}, {"bench-rf1", 1}})
      if (auto e = actors::create_topic_and_wait(sys, nodes[0], name, parts, rf, 60s); !e.empty()) {
        std::fprintf(stderr, "produce bench: %s\n", e.c_str());
        return 1;
      }
    rf3 = run_produce(sys, nodes, "bench-rf3", -1, o);
    std::printf("  produce RF=3 acks=all                %12.0f records/s  %7.1f MB/s  ack p50 %.1f ms  p99 %.1f ms%s\n",
                rf3.rps, rf3.mbps, rf3.p50_ms, rf3.p99_ms, rf3.failed ? "  (FAILURES)" : "");
    std::fflush(stdout);
    rf1 = run_produce(sys, nodes, "bench-rf1", 1, o);
    std::printf("  produce RF=1 acks=1                  %12.0f records/s  %7.1f MB/s  ack p50 %.1f ms  p99 %.1f ms%s\n",
                rf1.rps, rf1.mbps, rf1.p50_ms, rf1.p99_ms, rf1.failed ? "  (FAILURES)" : "");
    std::fflush(stdout);
    consume_rps = run_consume(sys, nodes, "bench-rf3", parts, o.records);
    std::printf("  consume RF=3 topic, 1 consumer       %12.0f records/s\n", consume_rps);
    if (rf3.failed || rf1.failed) {
      std::fprintf(stderr, "produce bench: %llu + %llu records failed, first: %s %s\n",
                   (unsigned long long) rf3.failed, (unsigned long long) rf1.failed, rf3.first_error.c_str(),
                   rf1.first_error.c_str());
      rc = 1;
    }
  }
  std::printf("  bar: RF=3 acks=all >= 400000 records/s (Kafka's published 3x synchronous replication: 421823)\n");
  std::printf("{\"bench\":\"produce\",\"rf3_acks_all_rps\":%.0f,\"rf1_acks1_rps\":%.0f,\"log_append_rps\":%.0f,"
              "\"consume_rps\":%.0f,\"p99_ms\":%.2f,\"rf3_p50_ms\":%.2f,\"rf1_p99_ms\":%.2f,\"fsync\":\"%s\"}\n",
              rf3.rps, rf1.rps, log_rps, consume_rps, rf3.p99_ms, rf3.p50_ms, rf1.p99_ms, fsync_name);
  fs::remove_all(base);
  return rc;
}

} // namespace rivulet::bench
