#pragma once

// Reading back every replica's committed log of a simulated cluster and
// checking it against what the simulated producer was told (see
// cluster_scenario.hpp for the properties).

#include <string>
#include <vector>

#include "tests/support/cluster_sim.hpp"
#include "tests/support/sim_producer.hpp"

namespace rivulet::testing {

/// Reads each node's own replica of each partition through the simulation.
/// Problems that break safety (diverging committed logs, a log that is not
/// the production order, duplicates, an acknowledged batch elsewhere than
/// its acknowledgement said) are appended to `failures`. Incomplete or
/// unequal logs are failures only when `final_round`. Returns whether every
/// replica of every partition holds the same, complete log.
bool check_replica_logs(cluster_sim& sim, const sim_producer_config& pc, const sim_producer_log& log,
                        std::vector<std::string>& failures, bool final_round);

} // namespace rivulet::testing
