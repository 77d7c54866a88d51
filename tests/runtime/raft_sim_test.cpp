#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "tests/support/raft_sim.hpp"

using namespace rivulet::raft;
using rivulet::raft::testing::network_faults;
using rivulet::raft::testing::raft_sim;
using rivulet::raft::testing::sim_rng;

namespace {

struct sim_outcome {
  std::string violation;
  /// Ticks from healing until a fresh proposal was applied on every node;
  /// -1 if that did not happen within the bound.
  int ticks_to_recover = -1;
  std::size_t committed = 0;
};

constexpr int liveness_bound_ticks = 400; // 40 election timeouts

// One seeded run: `chaos_ticks` of drops, duplicates, delays, partitions,
// crashes and restarts with proposals, then healing and a liveness probe.
sim_outcome run(int nodes, std::uint64_t seed, int chaos_ticks) {
  raft_sim s(nodes, seed);
  sim_rng chaos(seed * 31 + static_cast<std::uint64_t>(nodes));
  s.faults = network_faults{0.02 * static_cast<double>(chaos.below(8)),
                            0.02 * static_cast<double>(chaos.below(4)),
                            static_cast<int>(chaos.below(6))};
  int proposals = 0;
  for (int t = 0; t < chaos_ticks && s.violation().empty(); ++t) {
    s.tick_all();
    if (chaos.chance(0.3))
      for (int id : s.leaders())
        s.propose(id, "s" + std::to_string(proposals++));
    if (chaos.chance(0.01)) {
      std::vector<int> side;
      for (int id = 1; id <= nodes; ++id)
        if (chaos.chance(0.5))
          side.push_back(id);
      s.partition({side});
    }
    if (chaos.chance(0.01))
      s.heal();
    int victim = 1 + static_cast<int>(chaos.below(static_cast<std::uint64_t>(nodes)));
    if (chaos.chance(0.004) && s.alive(victim))
      s.crash(victim);
    else if (chaos.chance(0.02) && !s.alive(victim))
      s.restart(victim);
    if (t % 250 == 0)
      s.check_logs_pairwise();
  }
  sim_outcome out;
  s.heal();
  for (int id = 1; id <= nodes; ++id)
    if (!s.alive(id))
      s.restart(id);
  s.faults = network_faults{0.0, 0.0, 2};
  for (int t = 0; t < liveness_bound_ticks && s.violation().empty(); ++t) {
    s.tick_all();
    if (t % 5 == 0)
      for (int id : s.leaders())
        s.propose(id, "probe" + std::to_string(t));
    bool all = true;
    for (int id = 1; id <= nodes && all; ++id) {
      const auto& a = s.applied(id);
      all = std::any_of(a.begin(), a.end(), [](const log_entry& e) {
        return e.payload.rfind("probe", 0) == 0;
      });
    }
    if (all) {
      out.ticks_to_recover = t + 1;
      break;
    }
  }
  s.check_logs_pairwise();
  out.violation = s.violation();
  out.committed = s.applied(1).size();
  return out;
}

void run_many(int nodes, std::uint64_t first_seed, int seeds, int chaos_ticks) {
  int worst = 0;
  std::size_t committed = 0;
  for (std::uint64_t seed = first_seed; seed < first_seed + static_cast<std::uint64_t>(seeds);
       ++seed) {
    INFO("nodes " << nodes << ", seed " << seed);
    auto out = run(nodes, seed, chaos_ticks);
    REQUIRE(out.violation.empty());
    REQUIRE(out.ticks_to_recover >= 0);
    worst = std::max(worst, out.ticks_to_recover);
    committed += out.committed;
  }
  // Guards against a vacuous run that never commits anything.
  CHECK(committed > static_cast<std::size_t>(seeds) * 20);
  WARN("nodes " << nodes << ": " << seeds << " seeds x " << chaos_ticks
                << " ticks, worst recovery " << worst << " ticks, entries applied "
                << committed);
}

} // namespace

TEST_CASE("a 3-node cluster stays safe and recovers under seeded network chaos", "[raft]") {
  run_many(3, 1, 250, 4000);
}

TEST_CASE("a 5-node cluster stays safe and recovers under seeded network chaos", "[raft]") {
  run_many(5, 1001, 250, 4000);
}

TEST_CASE("a seeded simulation replays exactly", "[raft]") {
  auto a = run(5, 42, 2000);
  auto b = run(5, 42, 2000);
  CHECK(a.ticks_to_recover == b.ticks_to_recover);
  CHECK(a.committed == b.committed);
}

// Hidden ([.]) so that the "[raft]" filter leaves it out; run it with "[slow]".
TEST_CASE("long soak of 3- and 5-node clusters under seeded chaos", "[.][slow][raft-soak]") {
  run_many(3, 100000, 1000, 10000);
  run_many(5, 200000, 1000, 10000);
}
