#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace rivulet {

/// How keyed aggregates emit, as in Flink's RuntimeExecutionMode.
enum class runtime_mode {
  /// Every input record yields an updated aggregate (rolling).
  streaming,
  /// Input is bounded; each key's final aggregate is emitted once, at end of input.
  batch,
};

/// What the job supervisor does when a task fails.
struct restart_strategy {
  enum class kind { none, fixed_delay };
  kind type = kind::none;
  /// Restarts allowed after the first attempt (fixed_delay only).
  int attempts = 0;
  std::chrono::milliseconds delay{0};

  static restart_strategy none() { return {}; }
  static restart_strategy fixed_delay(int attempts, std::chrono::milliseconds delay) {
    return {kind::fixed_delay, attempts, delay};
  }
};

/// Job-wide settings. Plain value; copied into every job the environment runs.
struct job_config {
  runtime_mode mode = runtime_mode::streaming;
  /// Default parallelism of operators that do not set their own; 0 = one per
  /// scheduler thread.
  int parallelism = 0;
  /// Records per batch sent between tasks.
  std::size_t batch_size = 1024;
  /// How long a partly filled batch may wait before it is sent anyway.
  std::chrono::microseconds linger{2000};
  /// Batches a sender may have in flight per channel (the credit window).
  std::uint32_t credits = 4;
  /// Scheduler threads; 0 = std::thread::hardware_concurrency().
  int threads = 0;
  /// Fuse one-to-one operators of equal parallelism into one task.
  bool chaining = true;
  /// Messages an actor handles before its scheduler thread moves on to
  /// another actor (CAF's scheduler.max-throughput).
  std::size_t max_messages_per_turn = 16;
  restart_strategy restart;

  /// Returns an empty string when the settings are usable, else what is wrong.
  std::string validate() const;
  /// Scheduler threads after resolving 0.
  int effective_threads() const;
  /// Default parallelism after resolving 0.
  int effective_parallelism() const;
};

} // namespace rivulet
