#pragma once

#include <cstdint>

namespace rivulet::bench {

struct produce_options {
  /// Records per produce run (RF=3 acks=all, then RF=1 acks=1).
  std::uint64_t records = 1'000'000;
  /// Record value size in bytes.
  std::uint64_t record_bytes = 100;
  std::uint64_t partitions = 6;
  /// Records for the raw segment-log append run.
  std::uint64_t log_records = 5'000'000;
  /// fsync policy of the nodes: 0 never (default), 1 interval, 2 every_batch.
  std::uint64_t fsync = 0;
};

/// rivulet-bench produce: the topic store's figures in one run — raw
/// single-partition segment-log append rate (the storage ceiling), produce
/// throughput and ack latency with RF=3 acks=all and RF=1 acks=1 across 3
/// `rivulet node` processes on loopback, and consumer read throughput.
/// Prints a table and one JSON line; returns the process exit code.
int produce(const produce_options& opts);

} // namespace rivulet::bench
