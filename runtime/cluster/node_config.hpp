#pragma once

// Static configuration of one node of a rivulet cluster, read from an INI
// file (`rivulet node --config node.ini`). CAF-free. Format and an example:
// docs/operations.md.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rivulet::cluster {

/// Where a node of the cluster listens for other nodes and clients.
struct node_address {
  std::int64_t id = 0;
  std::string host;
  std::uint16_t port = 0;
};

/// How the segment logs of this node make appends durable; mirrors
/// state::fsync_policy (runtime cannot include state).
enum class fsync_policy : std::uint8_t {
  every_batch,  ///< Sync inside every append.
  interval,     ///< Sync once per replica ready cycle, before anything it
                ///< appended is acknowledged or replicated (group commit).
  never,        ///< Leave it to the OS: survives a process crash, and a
                ///< machine crash only where a majority still holds the data.
};

struct node_config {
  std::int64_t id = 0;
  /// This node's directory: `controller/` and one directory per replica.
  std::string data_dir;
  /// Every node of the cluster, this one included, sorted by id.
  std::vector<node_address> nodes;
  /// Where each node serves the Kafka protocol (optional; nodes without
  /// an entry run no Kafka listener). Advertised in Kafka Metadata.
  std::vector<node_address> kafka;
  /// One raft tick; elections take 10-20 ticks, heartbeats every 2.
  std::chrono::milliseconds tick{50};
  fsync_policy fsync = fsync_policy::interval;
  /// Timeout of every request a node sends another node.
  std::chrono::milliseconds request_timeout{2000};
  /// Partitions of the internal offsets topic (group coordinators).
  std::int32_t offsets_partitions = 3;

  const node_address* self() const;
  const node_address* find(std::int64_t node) const;
  std::vector<std::int64_t> node_ids() const;
  /// This node's Kafka listener address, if it has one.
  const node_address* kafka_self() const;
};

/// Parses an INI text:
///
///     [node]
///     id = 1
///     data_dir = /var/lib/rivulet/n1
///     [cluster]
///     nodes = 1@127.0.0.1:7001, 2@127.0.0.1:7002, 3@127.0.0.1:7003
///     tick_ms = 50
///     fsync = interval           # or every_batch, never
///     request_timeout_ms = 2000
///     offsets_partitions = 3
///     kafka = 1@127.0.0.1:9092, 2@127.0.0.1:9093, 3@127.0.0.1:9094   # optional
///
/// Unknown sections or keys, bad numbers, duplicate node ids and a node id
/// missing from `nodes` are errors naming the line. Returns the config or
/// sets `error`.
std::optional<node_config> parse_node_config(const std::string& text, std::string& error);

/// Reads and parses the file at `path`; errors name the file.
std::optional<node_config> load_node_config(const std::string& path, std::string& error);

/// Parses "1@host:port, 2@host:port" into addresses (sorted by id).
std::optional<std::vector<node_address>> parse_node_list(const std::string& text, std::string& error);

} // namespace rivulet::cluster
