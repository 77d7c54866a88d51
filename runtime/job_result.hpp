#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace rivulet {

enum class job_status { succeeded, failed };

/// Figures of one logical operator, summed over its instances.
struct operator_metrics {
  std::string name;
  int parallelism = 1;
  /// Physical task that ran the operator (operators chained together share one).
  int task = -1;
  std::uint64_t records_in = 0;
  std::uint64_t records_out = 0;
  /// Late records dropped (no side output took them).
  std::uint64_t records_dropped = 0;
  /// Flow control, highest over the task's instances and channels.
  std::uint64_t max_inflight_batches = 0;
  std::uint64_t max_inflight_records = 0;
  std::uint64_t max_pending_batches = 0;
  std::uint64_t max_queued_batches = 0;
};

/// What execute() returns.
struct job_result {
  std::string job_name;
  job_status status = job_status::failed;
  /// Empty on success; else which operator/instance failed and why.
  std::string error;
  /// Name of the failing operator, when one is known.
  std::string failed_operator;
  int failed_instance = -1;
  /// Attempts run (1 + restarts).
  int attempts = 0;
  std::chrono::nanoseconds elapsed{0};
  std::vector<operator_metrics> operators;

  bool ok() const noexcept {
    return status == job_status::succeeded;
  }
  /// The operator named `name`, or null.
  const operator_metrics* find(const std::string& name) const {
    for (auto& op : operators)
      if (op.name == name)
        return &op;
    return nullptr;
  }
  /// Multi-line report: status, time and per-operator counts.
  std::string summary() const;
};

} // namespace rivulet
