#pragma once

// Blocking admin helpers for programs and tools outside the actor world
// (the CLI, the demo, benchmarks, tests): metadata, and creating a topic
// and waiting until it is usable.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/node_messages.hpp"

namespace rivulet::actors {

/// Metadata of `topics` (all when empty) as `node` knows it; nullopt when
/// it does not answer within `timeout`.
std::optional<metadata_reply> fetch_metadata(caf::actor_system& sys, const caf::actor& node,
                                             std::vector<std::string> topics,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(2));

/// Creates `topic` through `node`, retrying while the controller has no
/// leader yet ("already exists" counts as created), then waits until every
/// partition has a leader. Returns "" or why not, within `timeout`.
std::string create_topic_and_wait(caf::actor_system& sys, const caf::actor& node, const std::string& topic,
                                  int partitions, int replication_factor,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

} // namespace rivulet::actors
