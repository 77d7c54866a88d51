#pragma once

// One seeded run of the whole-cluster simulation (cluster_sim.hpp) with a
// producer (sim_producer.hpp) and a fault script, and the checks at its end:
//  1. a 3-node cluster starts; the producer creates a 2-partition RF-3 topic
//     and produces acks=all batches of unique values, one in flight per
//     partition; random drops, duplicates and delays (up to 3 ticks) hit
//     every node-to-node message from the start;
//  2. once both partitions took a batch, at seeded times: a node (usually a
//     leader's) crashes and later restarts from its directory, and the node
//     then leading a seeded group is cut off from the others, then healed
//     (both may overlap, leaving no majority for a while; repeated for
//     scenario_options::fault_rounds);
//  3. the faults calm down, the producer finishes its batch in flight, and
//     the run goes on until every replica's committed log of every
//     partition is the same and complete (at most 30 s of virtual time).
// Checked: raft safety on the wire after every step (raft_wire_checker);
// committed logs never diverge between replicas (every round); each log is
// exactly the producer's batches in production order, without duplicates
// (idempotent producer); every acknowledged batch is on every replica at
// the offsets its acknowledgement named; all actors stop at the end.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/cluster/network_faults.hpp"
#include "tests/support/cluster_sim.hpp"

namespace rivulet::testing {

struct scenario_options {
  /// Stamp producer id and sequence on batches. Without, a retried batch
  /// the log already held is appended again and the order check fails with
  /// "appears twice" (which shows that the check bites).
  bool idempotent = true;
  /// Rounds of the fault script (a crash and restart, a cut and heal each).
  int fault_rounds = 1;
  /// Random faults up to 20 % drops, 10 % duplicates and half the messages
  /// delayed by up to 5 ticks, instead of 8 %, 5 % and a quarter by 3 ticks.
  bool harsh = false;
};

/// What one seed did, and what broke.
struct scenario_result {
  /// Empty when every check held; else one line per problem.
  std::vector<std::string> failures;
  /// One line of figures (virtual time, steps, faults, producer, wire).
  std::string figures;
  /// Summary of the whole run; equal for equal seeds.
  std::size_t digest = 0;
  cluster_sim::counters sim;
  cluster::network_faults::counters faults;
};

scenario_result run_cluster_scenario(std::uint64_t seed, const scenario_options& opts = {});

} // namespace rivulet::testing
