#pragma once

// The cluster metadata every node applies from the controller log: topics,
// their partitions, replica placement and raft group ids. CAF-free; the node
// actor (actors/node_actor.cpp) reads commands out of the controller group's
// committed batches and applies them here in log order, so every node holds
// the same table. Design: docs/design/0001-topic-store.md, section 4.7.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivulet::cluster {

/// Raft group of the controller (cluster metadata); partitions get 1, 2, ...
constexpr std::int64_t controller_group = 0;

/// One partition of a topic: its raft group and its replicas' node ids.
/// The first replica is the preferred leader.
struct partition_assignment {
  std::int32_t partition = 0;
  std::int64_t group = 0;
  std::vector<std::int64_t> replicas;
};

struct topic_entry {
  std::string name;
  /// Controller log offset of the command that created it; a re-created
  /// topic gets a new revision and new raft groups, so it never reuses the
  /// old topic's files.
  std::int64_t revision = 0;
  std::int16_t replication_factor = 1;
  std::map<std::string, std::string> configs;
  std::vector<partition_assignment> partitions;
};

/// A controller command, as stored in the value of a controller log record.
struct command {
  enum class kind : std::uint8_t { create_topic = 1, delete_topic = 2 };
  kind type = kind::create_topic;
  std::string topic;
  std::int32_t partitions = 0;
  std::int16_t replication_factor = 0;
  std::map<std::string, std::string> configs;
};

/// Binary form: u8 version (1), u8 kind, then kind's fields (big-endian,
/// strings with a u16 length). See docs/formats/controller-log.md.
std::string encode(const command& c);
/// Decodes encode()'s output; nullopt (and `error` set) on unknown version or
/// kind, truncation or trailing bytes.
std::optional<command> decode(std::string_view bytes, std::string* error = nullptr);

/// Checks a topic name as Kafka does: 1-249 characters of [A-Za-z0-9._-],
/// not "." or "..". Returns an error text or "".
std::string validate_topic_name(std::string_view name);

/// Checks a create request against the cluster's nodes. Returns "" or why not.
std::string validate_create(const command& c, std::size_t node_count);

/// Topic metadata of the whole cluster, rebuilt on every node by applying
/// the committed controller log in order. Not thread safe.
class topic_table {
public:
  /// `nodes`: the cluster's node ids (placement spreads over them).
  explicit topic_table(std::vector<std::int64_t> nodes);

  /// Applies the command at controller offset `offset`. Returns "" or why it
  /// had no effect (e.g. the topic exists); a rejected command changes
  /// nothing, on every node alike.
  std::string apply(const command& c, std::int64_t offset);

  const topic_entry* find(std::string_view name) const;
  const std::map<std::string, topic_entry, std::less<>>& topics() const noexcept { return topics_; }
  /// The partition of raft group `group`, with its topic name; nullptr if none.
  const partition_assignment* find_group(std::int64_t group, std::string* topic = nullptr) const;
  /// Controller offset one past the last command applied.
  std::int64_t applied() const noexcept { return applied_; }
  const std::vector<std::int64_t>& nodes() const noexcept { return nodes_; }

private:
  std::vector<std::int64_t> nodes_;
  std::map<std::string, topic_entry, std::less<>> topics_;
  std::int64_t next_group_ = 1;
  std::int64_t applied_ = 0;
};

/// Replicas of partition `p` of a topic over `nodes` (sorted): round robin
/// starting at a position derived from the topic name, so that leaders of
/// different topics spread over the nodes.
std::vector<std::int64_t> place_replicas(std::string_view topic, std::int32_t p, std::int16_t rf,
                                         const std::vector<std::int64_t>& nodes);

} // namespace rivulet::cluster
