#pragma once

// Internal to the consumer (actors/consumer.cpp and the consumer actor): the
// state its API threads and its actor share under one mutex. The API side
// owns positions (poll, seek) and asks for work (assign, subscribe, commit
// jobs); the actor fills the read-ahead buffers, resolves unknown
// positions and runs the jobs. Critical sections are short on both sides.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/consumer.hpp"

namespace rivulet::actors::detail {

/// Where an unknown position comes from.
enum class start_from { known, committed, earliest, latest };

/// One assigned partition.
struct partition_slot {
  /// The offset of the next record poll() returns (when `from` is known).
  std::int64_t position = -1;
  start_from from = start_from::committed;
  /// Bumped by every seek: answers to requests of an older epoch are dropped.
  std::uint64_t epoch = 0;
  /// The next offset the actor fetches (>= position).
  std::int64_t fetch_offset = -1;
  /// A fetch or a position lookup is on its way.
  bool busy = false;
  std::deque<consumer_record> buffered;
  std::size_t buffered_bytes = 0;
  /// No request before this (after an error).
  std::chrono::steady_clock::time_point retry_at{};
};

/// With nothing buffered, every offset below fetch_offset has been returned
/// by poll() or holds no record (a no-op a new leader appends and any other
/// control batch): the position moves past them, as Kafka's does. Otherwise
/// a position could never reach an end offset taken from the high watermark
/// when the log ends with such a batch.
inline void skip_to_fetch_offset(partition_slot& s) {
  if (s.from == start_from::known && s.buffered.empty() && s.fetch_offset > s.position)
    s.position = s.fetch_offset;
}

/// commit_sync(): offsets to commit, answered with an error text ("" = ok).
struct commit_job {
  std::map<topic_partition, std::int64_t> offsets;
  std::promise<std::string> done;
  std::chrono::steady_clock::time_point deadline;
};

/// committed(): one partition's committed offset.
struct committed_job {
  topic_partition tp;
  std::promise<std::optional<std::int64_t>> done;
  std::chrono::steady_clock::time_point deadline;
};

struct consumer_shared {
  mutable std::mutex mutex;
  /// Notified when records arrive, a position becomes known, or the actor stopped.
  std::condition_variable changed;
  /// The current assignment (manual, or the group's).
  std::map<topic_partition, partition_slot> slots;
  /// Group mode: subscribe() was called and not undone.
  bool subscribed = false;
  std::vector<std::string> subscription;
  /// Bumped by assign, subscribe and unsubscribe: the actor rejoins or leaves.
  std::uint64_t membership_version = 0;
  std::deque<commit_job> commits;
  std::deque<committed_job> lookups;
  /// The group membership, for member_id() and generation().
  std::string member_id;
  std::int32_t generation = -1;
  /// Where the next poll starts (round robin over partitions).
  std::size_t poll_start = 0;
  bool wakeup_sent = false;
  /// The destructor runs: the actor leaves the group and stops.
  bool closing = false;
  bool stopped = false;
};

/// A fresh slot for a newly assigned partition.
partition_slot new_slot(const consumer_config& cfg);

/// Spawns the consumer's actor (actors/consumer_actor.cpp).
caf::actor spawn_consumer_actor(caf::actor_system& sys, consumer_config cfg, std::shared_ptr<consumer_shared> shared);

} // namespace rivulet::actors::detail
