#pragma once

#include <cstdint>

namespace rivulet::bench {

struct kafka_options {
  /// Records per produce run, each `record_bytes` long.
  std::uint64_t records = 1'000'000;
  std::uint64_t record_bytes = 100;
  std::uint64_t partitions = 6;
  /// Produce runs per target, interleaved (mock, RF=1, RF=3, mock, ...) so
  /// that the machine's drift hits every target alike; the bars use medians.
  std::uint64_t rounds = 3;
};

/// rivulet-bench kafka: one librdkafka (C API) producer and consumer
/// configuration measured against librdkafka's in-process mock cluster
/// (3 brokers, acks=all) and against 3 `rivulet node` processes on loopback
/// with Kafka listeners (RF=1 acks=1, RF=3 acks=all; fsync=never), then the
/// consume rate of reading one topic back from each. Prints a table, the
/// bars of issue 5 and one JSON line; returns the process exit code (1 when
/// any record failed, 2 when built without librdkafka-dev).
int kafka(const kafka_options& opts);

} // namespace rivulet::bench
