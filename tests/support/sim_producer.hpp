#pragma once

// The client of a cluster simulation: creates a topic, then produces batches
// of unique values to each partition with acks=all, one batch in flight per
// partition, to the node the metadata (or the last refusal) names as leader.
// A batch is resent unchanged after an error or a timeout until it is
// acknowledged, so later batches are produced strictly after earlier ones
// and the log order of a partition must equal the order of its acks.
// Batches carry a producer id and sequence (idempotent producer), so a
// retry of a batch the log already holds must not be appended twice.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

namespace rivulet::testing {

/// One batch as the producer made it, and what became of it.
struct sim_batch {
  std::int32_t partition = 0;
  std::int32_t number = 0;  ///< 0, 1, ... within its partition
  std::vector<std::string> values;
  std::string bytes;  ///< encoded once, resent unchanged
  int sends = 0;
  bool acked = false;
  std::int64_t base_offset = -1;
  std::int64_t last_offset = -1;
};

struct sim_producer_config {
  std::string topic = "sim";
  std::int32_t partitions = 2;
  std::int16_t replication_factor = 3;
  int records_per_batch = 3;
  /// Per partition; the producer stops starting batches after that many.
  int max_batches = 100000;
  /// -1: plain batches (no duplicate detection by the leader).
  std::int64_t producer_id = 7;
  std::chrono::milliseconds request_timeout{300};
  std::chrono::milliseconds backoff{40};
  /// Wait after an acknowledgement before the next batch starts, so that
  /// production interleaves with the nodes' timers (in virtual time an
  /// eager producer would run many batches between two ticks).
  std::chrono::milliseconds pause{5};
  /// Node ids to bootstrap from, and the current handle of each (invalid
  /// while it is down).
  std::vector<std::int64_t> nodes;
  std::function<caf::actor(std::int64_t)> node;
};

/// What the producer did, shared with the test (everything runs on the
/// simulation's thread).
struct sim_producer_log {
  bool topic_created = false;
  /// Raft group of each partition, once a metadata reply named it.
  std::vector<std::int64_t> groups;
  /// Per partition, in production order.
  std::vector<std::vector<sim_batch>> batches;
  /// Set by the test: finish the batches in flight, start no new ones.
  bool stop_new = false;
  std::uint64_t sends = 0, acks = 0, refusals = 0, timeouts = 0, metadata_requests = 0;

  /// Acknowledged batches of `partition` (a prefix of its batches).
  std::size_t acked(std::int32_t partition) const;
  /// Whether no batch waits for an acknowledgement.
  bool settled() const;
};

/// Spawns the producer; it starts at once and runs until it receives an exit.
caf::actor spawn_sim_producer(caf::actor_system& sys, sim_producer_config cfg,
                              std::shared_ptr<sim_producer_log> log);

} // namespace rivulet::testing
