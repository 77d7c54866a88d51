#pragma once

// The topic store client for dataflow jobs: implements runtime's
// topic_client over the native consumer and producer, so that
// env.from_topic() and stream.to_topic() read and write a cluster.
//
//   env.set_topic_client(rivulet::actors::make_topic_client(sys, cluster.running()));
//   env.from_topic<std::string>("lines", [](const rivulet::topic_message& m) { return *m.value; }, opts)
//      ...
//      .to_topic("counts", serialize, key_of);

#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/consumer.hpp"
#include "actors/producer.hpp"
#include "runtime/topic_io.hpp"

namespace rivulet::actors {

struct topic_client_config {
  /// Any nodes of the cluster.
  std::vector<caf::actor> bootstrap;
  /// Settings for the writers' producers and readers' consumers; their
  /// bootstrap is replaced by the one above.
  producer_config producer;
  consumer_config consumer;
};

/// A topic_client whose readers and writers run their actors in `sys`,
/// which must outlive it (and every job using it).
std::shared_ptr<topic_client> make_topic_client(caf::actor_system& sys, topic_client_config cfg);

} // namespace rivulet::actors
