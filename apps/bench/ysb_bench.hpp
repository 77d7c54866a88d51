#pragma once

#include <cstdint>

namespace rivulet::bench {

/// Settings of rivulet-bench ysb.
struct ysb_options {
  /// Events per throughput run (loop, rivulet p1, rivulet p2).
  std::uint64_t events = 50'000'000;
  /// Throughput repeats; the best of each is kept.
  int repeats = 3;
  /// Event rate of the rate-limited latency run, events/s.
  std::uint64_t rate_eps = 1'000'000;
  /// Length of each latency run (full speed, rate limited); 0 skips them.
  std::uint64_t latency_seconds = 25;
};

/// rivulet-bench ysb: the Yahoo Streaming Benchmark query (filter views,
/// project, join ad -> campaign, 10 s event-time tumbling count per
/// campaign) as a hand-written loop and as rivulet jobs at parallelism 1
/// and 2, then window latency on wall-clock event time. Prints a table and
/// one JSON line; returns the process exit code.
int ysb(const ysb_options& opts);

} // namespace rivulet::bench
