// rivulet-bench: throughput benchmarks, each printing rivulet's figure next
// to a baseline measured in the same run.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "apps/bench/kafka_bench.hpp"
#include "apps/bench/produce_bench.hpp"
#include "apps/bench/word_count_bench.hpp"
#include "apps/bench/ysb_bench.hpp"

namespace {

constexpr const char* usage = R"(usage: rivulet-bench word-count [--words N] [--seed S] [--repeats R (default 3, best is kept)]
       rivulet-bench ysb [--events N] [--repeats R] [--rate EPS] [--latency-seconds S]
       rivulet-bench produce [--records N] [--record-bytes B] [--partitions P] [--log-records N]
                             [--fsync 0|1|2 (never, interval, every_batch; default 0)]
       rivulet-bench kafka [--records N] [--partitions P] [--rounds R]
  word-count   hand-written loop vs rivulet (parallelism 1 and 2) counting
               words of generated Zipf-distributed text (default 20000000 words)
  ysb          Yahoo Streaming Benchmark query: hand-written loop vs rivulet
               (parallelism 1 and 2) on generated ad events (default 50000000),
               then window latency on wall-clock event time, at full speed and
               at --rate events/s (default 1000000), --latency-seconds each
               (default 25; 0 skips the latency runs)
  produce      topic store: segment-log append rate, then produce records/s and
               ack latency (RF=3 acks=all, RF=1 acks=1) across 3 `rivulet node`
               processes on loopback, then consumer read rate (default 1000000
               records of 100 bytes, 6 partitions)
  kafka        one librdkafka producer/consumer configuration against
               librdkafka's mock cluster (3 brokers, acks=all) and against 3
               `rivulet node` processes' Kafka listeners (RF=1 acks=1, RF=3
               acks=all; fsync=never): produce and consume records/s and
               the server's CPU seconds; R interleaved rounds, bars on the
               medians (default 1000000 records of 100 bytes, 6 partitions,
               3 rounds)
)";

/// One named numeric option and where its value goes.
struct option {
  const char* name;
  unsigned long long* value;
  bool zero_ok = false;
};

/// Parses "--name value" pairs from argv[2..]; false (after a message) on error.
bool parse_options(int argc, char** argv, const std::vector<option>& options) {
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    const option* opt = nullptr;
    for (auto& o : options)
      if (a == o.name)
        opt = &o;
    if (!opt) {
      std::fprintf(stderr, "rivulet-bench: unknown option '%s'\n", a.c_str());
      return false;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "rivulet-bench: %s needs a value\n", a.c_str());
      return false;
    }
    char* end = nullptr;
    auto v = std::strtoull(argv[++i], &end, 10);
    if (*end != '\0' || argv[i][0] == '-' || argv[i][0] == '\0' || (v == 0 && !opt->zero_ok)) {
      std::fprintf(stderr, "rivulet-bench: %s needs a %s number\n", a.c_str(),
                   opt->zero_ok ? "non-negative" : "positive");
      return false;
    }
    *opt->value = v;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  if (cmd == "word-count") {
    unsigned long long words = 20000000, seed = 42, repeats = 3;
    if (!parse_options(argc, argv, {{"--words", &words}, {"--seed", &seed}, {"--repeats", &repeats}}))
      return 2;
    return rivulet::bench::word_count(words, seed, static_cast<int>(repeats));
  }
  if (cmd == "ysb") {
    rivulet::bench::ysb_options o;
    unsigned long long events = o.events, repeats = static_cast<unsigned long long>(o.repeats), rate = o.rate_eps,
                       seconds = o.latency_seconds;
    if (!parse_options(argc, argv,
                       {{"--events", &events},
                        {"--repeats", &repeats},
                        {"--rate", &rate},
                        {"--latency-seconds", &seconds, true}}))
      return 2;
    o.events = events;
    o.repeats = static_cast<int>(repeats);
    o.rate_eps = rate;
    o.latency_seconds = seconds;
    return rivulet::bench::ysb(o);
  }
  if (cmd == "produce") {
    rivulet::bench::produce_options o;
    unsigned long long records = o.records, bytes = o.record_bytes, parts = o.partitions, log = o.log_records,
                       fsync = o.fsync;
    if (!parse_options(argc, argv,
                       {{"--records", &records}, {"--record-bytes", &bytes}, {"--partitions", &parts},
                        {"--log-records", &log}, {"--fsync", &fsync, true}}))
      return 2;
    o.records = records;
    o.record_bytes = bytes;
    o.partitions = parts;
    o.log_records = log;
    o.fsync = fsync;
    return rivulet::bench::produce(o);
  }
  if (cmd == "kafka") {
    rivulet::bench::kafka_options o;
    unsigned long long records = o.records, parts = o.partitions, rounds = o.rounds;
    if (!parse_options(argc, argv, {{"--records", &records}, {"--partitions", &parts}, {"--rounds", &rounds}}))
      return 2;
    o.records = records;
    o.partitions = parts;
    o.rounds = rounds;
    return rivulet::bench::kafka(o);
  }
  std::fprintf(stderr, "rivulet-bench: unknown benchmark '%s'\n%s", cmd.c_str(), usage);
  return 2;
}
