#pragma once

// Internal to the producer and consumer actors: what a client knows of the
// cluster (topics, partition leaders, node actors) from metadata replies,
// and which node to ask next. Owned by one actor; not thread safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/node_messages.hpp"

namespace rivulet::actors::detail {

class client_metadata {
public:
  explicit client_metadata(std::vector<caf::actor> bootstrap);

  /// Takes a reply to a metadata request for all topics: the topic table
  /// and the node handles replace the known ones (a node the answering
  /// node cannot reach has no handle).
  void update(const metadata_reply& reply);

  /// The topic, or null when the last reply did not list it.
  const topic_metadata* topic(const std::string& name) const;
  /// Whether any reply arrived yet.
  bool has_reply() const noexcept { return replies_ > 0; }
  /// Replies taken so far; a topic missing from reply n > k is unknown to
  /// a node asked after k.
  std::uint64_t replies() const noexcept { return replies_; }

  /// The node actor leading (topic, partition), invalid when unknown.
  caf::actor leader(const std::string& topic, std::int32_t partition) const;
  /// Records a leader hint from a not-leader answer (0 = unknown).
  void set_leader(const std::string& topic, std::int32_t partition, std::int64_t node);
  /// The partition's high watermark as the leader last reported it (-1 unknown).
  std::int64_t high_watermark(const std::string& topic, std::int32_t partition) const;

  /// The node to ask for metadata or coordinators: the one that answered
  /// last, else the next of bootstrap and known nodes in turn.
  caf::actor pick_node();
  /// The last picked node failed: pick_node() moves on.
  void node_failed();

private:
  partition_metadata* find(const std::string& topic, std::int32_t partition);
  const partition_metadata* find(const std::string& topic, std::int32_t partition) const;

  std::vector<caf::actor> bootstrap_;
  std::map<std::int64_t, caf::actor> nodes_;
  std::map<std::string, topic_metadata> topics_;
  std::uint64_t replies_ = 0;
  std::size_t next_pick_ = 0;
  caf::actor last_good_;
};

} // namespace rivulet::actors::detail
