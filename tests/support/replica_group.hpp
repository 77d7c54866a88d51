#pragma once

// Configs of a three-replica partition group for actor tests.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/partition_actor.hpp"

namespace rivulet::testing {

/// Replicas 1..3 of raft group `group`, each in `root`/replica-<id>, ticking
/// every 5 ms; election seeds start at `seed_base`.
inline std::vector<actors::partition_actor_config> three_replicas(const std::filesystem::path& root,
                                                                  std::int64_t group, std::uint64_t seed_base) {
  std::vector<actors::partition_actor_config> out;
  for (std::int64_t id = 1; id <= 3; ++id) {
    actors::partition_actor_config pc;
    pc.dir = root / ("replica-" + std::to_string(id));
    pc.replica.id = raft::node_id{id};
    pc.replica.voters = {raft::node_id{1}, raft::node_id{2}, raft::node_id{3}};
    pc.replica.group = raft::group_id{group};
    pc.replica.seed = seed_base + static_cast<std::uint64_t>(id);
    pc.tick_interval = std::chrono::milliseconds{5};
    out.push_back(pc);
  }
  return out;
}

} // namespace rivulet::testing
