#pragma once

// A node's Kafka protocol listener: a CAF broker that accepts Kafka client
// connections, frames and parses requests (io/kafka), turns them into the
// node's messages (metadata, topic_produce, topic_fetch) and writes the
// responses back in request order per connection. Supported APIs and
// versions: docs/kafka-compatibility.md.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "runtime/cluster/node_config.hpp"

namespace rivulet::actors {

struct kafka_listener_config {
  /// The node actor answering for this listener, and its id.
  caf::actor node;
  std::int64_t node_id = 0;
  /// Every node's Kafka address, advertised as the brokers in Metadata.
  std::vector<cluster::node_address> brokers;
  /// Port to listen on (0 = any free port; see the returned port).
  std::uint16_t port = 0;
  /// Frames larger than this close the connection.
  std::size_t max_frame_bytes = 100u << 20;
  /// Requests of one connection being answered at once. At the bound the
  /// listener stops reading the connection until the oldest answer is
  /// written, so a client that pipelines faster than the node stores waits
  /// in TCP instead of in the node's memory (Kafka's broker serves one
  /// request per connection at a time). With `max_frame_bytes` it bounds a
  /// connection's memory.
  std::size_t max_in_flight_per_connection = 5;
  /// Deadline of each request the listener makes to its node.
  std::chrono::milliseconds request_timeout{30000};
  std::string cluster_id = "rivulet";
};

/// Starts the listener; returns its actor and sets `bound_port`, or an
/// invalid handle and `error`. Needs the middleman loaded.
caf::actor spawn_kafka_listener(caf::actor_system& sys, kafka_listener_config cfg, std::uint16_t& bound_port,
                                std::string& error);

} // namespace rivulet::actors
